// Entry point `@switchyard/core/consul`: kept apart so `consul` stays an optional peer dependency.

export { ConsulRegistry } from './registry/ConsulRegistry.js';
export type { ConsulRateLimit, ConsulRegistryOptions } from './registry/consul/ConsulRegistryOptions.js';
export { CONSUL_DEFAULTS } from './registry/consul/ConsulRegistryOptions.js';
export { ConsulRequestError } from './registry/consul/ConsulRequestError.js';
export type { ServerFilter } from './registry/consul/filterExpression.js';
export type { RegistrationEvent } from './registry/consul/OwnRegistrations.js';
