// @switchyard/core: the client, registries, balancers, breakers, policies, errors and the
// event channels. Adapter plumbing is in `@switchyard/core/server`, telemetry names in
// `@switchyard/core/semconv`, the SDK starter in `@switchyard/core/telemetry`.

// Balancing
export type { Balancer, CallOutcome, PickContext } from './balancer/Balancer.js';
export { ConsistentHashBalancer } from './balancer/ConsistentHashBalancer.js';
export type { BalancerName, BalancerOptionsByName } from './balancer/createBalancer.js';
export { BALANCER_NAMES, createBalancer } from './balancer/createBalancer.js';
export { LeastRequestBalancer } from './balancer/LeastRequestBalancer.js';
export { PeakEwmaBalancer } from './balancer/PeakEwmaBalancer.js';
export { RandomBalancer } from './balancer/RandomBalancer.js';
export { RoundRobinBalancer } from './balancer/RoundRobinBalancer.js';
export { SmoothWeightedBalancer } from './balancer/SmoothWeightedBalancer.js';
// Breakers
export type { BreakerSnapshot, CircuitBreaker, CircuitState, StateChange } from './breaker/CircuitBreaker.js';
export { SlidingWindowBreaker } from './breaker/SlidingWindowBreaker.js';
export type { OpenStateBackoff, SlidingWindowBreakerOptions } from './breaker/SlidingWindowBreakerOptions.js';
// The client
export type {
  CallRequestOptions,
  ClientBreakerFactory,
  ClientOptions,
  ClientRetryOptions,
  FetchRequestInit,
  ServicePolicyOptions,
  ServiceRequestOptions,
} from './client/ClientOptions.js';
export { CLIENT_BREAKER_DEFAULTS, CLIENT_DEFAULTS } from './client/defaults.js';
export { createClient, ServiceClient } from './client/ServiceClient.js';
export type { ResponseBody, ServiceResponse } from './client/ServiceResponse.js';
// Small shared shapes
export type { Clock } from './common/Clock.js';
export type { Disposable } from './common/Disposable.js';
export type { Event } from './common/Event.js';
// Errors: `instanceof` works across duplicate installs of the package.
export { BrokenCircuitError } from './errors/BrokenCircuitError.js';
export { BulkheadRejectedError } from './errors/BulkheadRejectedError.js';
export { ConfigError } from './errors/ConfigError.js';
export { ConnectionError } from './errors/ConnectionError.js';
export { ignoredByClientBreaker, retryableForClient, transientErrors } from './errors/defaultFilters.js';
export type { ErrorFilter, ErrorType } from './errors/ErrorFilter.js';
export { handleAll, handleType, handleWhen } from './errors/ErrorFilter.js';
export { HttpStatusError } from './errors/HttpStatusError.js';
export { IsolatedCircuitError } from './errors/IsolatedCircuitError.js';
export { NoInstancesError } from './errors/NoInstancesError.js';
export { RegistryError } from './errors/RegistryError.js';
export type { SwitchyardErrorCode } from './errors/SwitchyardError.js';
export { SwitchyardError } from './errors/SwitchyardError.js';
export { TimeoutError } from './errors/TimeoutError.js';
// Events
export type { SwitchyardChannelKey, SwitchyardMessages } from './events/channels.js';
export { SWITCHYARD_CHANNELS } from './events/channels.js';
export type { CallOutcomeKind } from './events/messages.js';
export { subscribe } from './events/subscribe.js';
// Policies
export type { BulkheadOptions } from './policy/BulkheadPolicy.js';
export { BulkheadPolicy, bulkhead } from './policy/BulkheadPolicy.js';
export type { Jitter } from './policy/backoffDelay.js';
export type { FallbackOptions } from './policy/FallbackPolicy.js';
export { FallbackPolicy, fallback } from './policy/FallbackPolicy.js';
export type { HedgeOptions } from './policy/HedgingPolicy.js';
export { HedgingPolicy, hedge } from './policy/HedgingPolicy.js';
export type { AttemptContext, CallOptions, Policy } from './policy/Policy.js';
export type { RetryBudgetOptions } from './policy/RetryBudget.js';
export { RetryBudget, retryBudget } from './policy/RetryBudget.js';
export type { RetryOptions } from './policy/RetryPolicy.js';
export { RetryPolicy, retry } from './policy/RetryPolicy.js';
export type { TimeoutOptions } from './policy/TimeoutPolicy.js';
export { TimeoutPolicy, timeout } from './policy/TimeoutPolicy.js';
export { wrap } from './policy/wrap.js';
// Discovery
export type { Health, Instance, InstanceInput } from './registry/Instance.js';
export { createInstance } from './registry/Instance.js';
export type {
  HealthCheck,
  InstanceFilter,
  Registration,
  ServiceRegistry,
  ServiceSnapshot,
  SnapshotListener,
} from './registry/ServiceRegistry.js';
export type { StaticRegistryConfig, StaticRegistryOptions } from './registry/StaticRegistry.js';
export { StaticRegistry } from './registry/StaticRegistry.js';
// Telemetry (OpenTelemetry API only; the SDK starter is `@switchyard/core/telemetry`)
export type { HttpInstrumentationMode } from './telemetry/httpTelemetryOptions.js';
export type { Logger, LoggerProvider, LogsApiSource } from './telemetry/logsApi.js';
export { logsApiSource } from './telemetry/logsApi.js';
export type { SwitchyardTelemetryOptions } from './telemetry/SwitchyardTelemetry.js';
export { SwitchyardTelemetry } from './telemetry/SwitchyardTelemetry.js';
