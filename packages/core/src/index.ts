export type { Balancer, CallOutcome, PickContext } from './balancer/Balancer.js';
export type { ConsistentHashOptions } from './balancer/ConsistentHashBalancer.js';
export { CONSISTENT_HASH_DEFAULT_TABLE_SIZE, ConsistentHashBalancer } from './balancer/ConsistentHashBalancer.js';
export type {
  BalancerByName,
  BalancerName,
  BalancerOptionsByName,
} from './balancer/createBalancer.js';
export { BALANCER_NAMES, createBalancer } from './balancer/createBalancer.js';
export { hashString } from './balancer/hashString.js';
export type { LeastRequestOptions } from './balancer/LeastRequestBalancer.js';
export { LeastRequestBalancer } from './balancer/LeastRequestBalancer.js';
export type { PeakEwmaOptions } from './balancer/PeakEwmaBalancer.js';
export { PEAK_EWMA_DEFAULT_DECAY_MS, PeakEwmaBalancer } from './balancer/PeakEwmaBalancer.js';
export type { RandomOptions } from './balancer/RandomBalancer.js';
export { RandomBalancer } from './balancer/RandomBalancer.js';
export type { RoundRobinOptions } from './balancer/RoundRobinBalancer.js';
export { RoundRobinBalancer } from './balancer/RoundRobinBalancer.js';
export type { SmoothWeightedOptions } from './balancer/SmoothWeightedBalancer.js';
export { SmoothWeightedBalancer } from './balancer/SmoothWeightedBalancer.js';
export type { BreakerSnapshot, CircuitBreaker, CircuitState, StateChange } from './breaker/CircuitBreaker.js';
export { CIRCUIT_STATES } from './breaker/CircuitBreaker.js';
export type { BreakerFactory, InstanceBreakersOptions } from './breaker/InstanceBreakers.js';
export { InstanceBreakers } from './breaker/InstanceBreakers.js';
export { SlidingWindowBreaker } from './breaker/SlidingWindowBreaker.js';
export type {
  OpenStateBackoff,
  ResolvedBreakerOptions,
  SlidingWindowBreakerOptions,
} from './breaker/SlidingWindowBreakerOptions.js';
export { BREAKER_DEFAULTS } from './breaker/SlidingWindowBreakerOptions.js';
export type { AttemptHandle, AttemptResult, HeaderCarrier } from './client/AttemptTracer.js';
export type {
  CallAttempt,
  CallRequestOptions,
  ClientBreakerFactory,
  ClientOptions,
  ClientRetryOptions,
  FetchRequestInit,
  ServicePolicyOptions,
} from './client/ClientOptions.js';
export {
  CLIENT_BREAKER_DEFAULTS,
  CLIENT_DEFAULTS,
} from './client/defaults.js';
export { parseRetryAfter } from './client/retryAfter.js';
export { createClient, ServiceClient } from './client/ServiceClient.js';
export type { Clock, RandomSource } from './common/Clock.js';
export { systemClock } from './common/Clock.js';
export type { Disposable } from './common/Disposable.js';
export { toDisposable } from './common/Disposable.js';
export type { Event } from './common/Event.js';
export { seededRandom } from './common/seededRandom.js';
export { BrokenCircuitError, isBrokenCircuitError } from './errors/BrokenCircuitError.js';
export { BulkheadRejectedError, isBulkheadRejectedError } from './errors/BulkheadRejectedError.js';
export { ConfigError, isConfigError } from './errors/ConfigError.js';
export { isAbortError, isTransientError, isUnsentError, networkErrorCode } from './errors/classify.js';
export { ignoredByClientBreaker, retryableForClient, transientErrors } from './errors/defaultFilters.js';
export type { ErrorFilter, ErrorType } from './errors/ErrorFilter.js';
export { handleAll, handleType, handleWhen } from './errors/ErrorFilter.js';
export { errorTypeOf } from './errors/errorType.js';
export { HttpStatusError, isHttpStatusError } from './errors/HttpStatusError.js';
export { IsolatedCircuitError, isIsolatedCircuitError } from './errors/IsolatedCircuitError.js';
export { isNoInstancesError, NoInstancesError } from './errors/NoInstancesError.js';
export { isRegistryError, RegistryError } from './errors/RegistryError.js';
export type { SwitchyardErrorCode } from './errors/SwitchyardError.js';
export { hasErrorCode, isSwitchyardError, SwitchyardError } from './errors/SwitchyardError.js';
export { isTimeoutError, TimeoutError } from './errors/TimeoutError.js';
export type { SwitchyardChannelKey, SwitchyardChannelName, SwitchyardMessages } from './events/channels.js';
export { SWITCHYARD_CHANNELS } from './events/channels.js';
export type * from './events/messages.js';
export { subscribe } from './events/subscribe.js';
export type { LinkedSignal } from './policy/anySignal.js';
export { anySignal } from './policy/anySignal.js';
export type { BulkheadOptions, BulkheadRejectEvent } from './policy/BulkheadPolicy.js';
export { BulkheadPolicy, bulkhead } from './policy/BulkheadPolicy.js';
export type { BackoffOptions, Jitter } from './policy/backoffDelay.js';
export { backoffDelay } from './policy/backoffDelay.js';
export type { FallbackEvent, FallbackOptions } from './policy/FallbackPolicy.js';
export { FallbackPolicy, fallback } from './policy/FallbackPolicy.js';
export type { HedgeEvent, HedgeOptions } from './policy/HedgingPolicy.js';
export { HedgingPolicy, hedge } from './policy/HedgingPolicy.js';
export type { AttemptContext, CallOptions, Policy } from './policy/Policy.js';
export type { RetryBudgetOptions } from './policy/RetryBudget.js';
export { RetryBudget, retryBudget } from './policy/RetryBudget.js';
export type {
  BudgetExhaustedEvent,
  GiveUpEvent,
  GiveUpReason,
  RetryEvent,
  RetryOptions,
} from './policy/RetryPolicy.js';
export { RetryPolicy, retry } from './policy/RetryPolicy.js';
export { sleep } from './policy/sleep.js';
export type { TimeoutEvent, TimeoutOptions } from './policy/TimeoutPolicy.js';
export { TimeoutPolicy, timeout } from './policy/TimeoutPolicy.js';
export type { PolicyAlt } from './policy/wrap.js';
export { wrap } from './policy/wrap.js';
export type { Health, Instance, InstanceInput } from './registry/Instance.js';
export { createInstance, instanceAuthority } from './registry/Instance.js';
export { matchesFilter } from './registry/matchesFilter.js';
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
export { canonicalHttpMethod, knownHttpMethods, redactUrlQuery } from './telemetry/httpAttributes.js';
export type { HttpInstrumentationMode } from './telemetry/httpTelemetryOptions.js';
export { HTTP_INSTRUMENTATION_MODES } from './telemetry/httpTelemetryOptions.js';
export type { RegistryServiceState } from './telemetry/LiveSources.js';
export type { InstrumentKind, MetricDefinition } from './telemetry/names.js';
export {
  ATTR as TELEMETRY_ATTRIBUTES,
  CALL_OUTCOMES,
  DEFAULT_KNOWN_HTTP_METHODS,
  DURATION_BUCKETS_SECONDS,
  HTTP_METHOD_OTHER,
  httpServerSpanName,
  INSTRUMENTATION_SCOPE,
  INSTRUMENTATION_VERSION,
  LOG_EVENT as TELEMETRY_LOG_EVENTS,
  METRIC as TELEMETRY_METRICS,
} from './telemetry/names.js';
export type { Observation, SwitchyardTelemetryOptions } from './telemetry/SwitchyardTelemetry.js';
export { SwitchyardTelemetry } from './telemetry/SwitchyardTelemetry.js';
