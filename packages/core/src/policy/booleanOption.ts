// Moved to common/validate.ts; this re-export remains only for registry/consul/ConsulRegistryOptions.ts.
export { booleanOption } from '../common/validate.js';
