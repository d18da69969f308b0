// Internal helpers the project's own tests and benchmarks use. Not a package entry point:
// nothing here is public API, and any of it may change.

export { hashString } from './balancer/hashString.js';
export { CIRCUIT_STATES } from './breaker/CircuitBreaker.js';
export type { BreakerFactory, InstanceBreakersOptions } from './breaker/InstanceBreakers.js';
export { InstanceBreakers } from './breaker/InstanceBreakers.js';
export { BREAKER_DEFAULTS } from './breaker/SlidingWindowBreakerOptions.js';
export type { AttemptHandle, AttemptResult, HeaderCarrier } from './client/AttemptTracer.js';
export { parseRetryAfter } from './client/retryAfter.js';
export type { RandomSource } from './common/Clock.js';
export { systemClock } from './common/Clock.js';
export { toDisposable } from './common/Disposable.js';
export { seededRandom } from './common/seededRandom.js';
export { isBrokenCircuitError } from './errors/BrokenCircuitError.js';
export { isBulkheadRejectedError } from './errors/BulkheadRejectedError.js';
export { isConfigError } from './errors/ConfigError.js';
export { isAbortError, isTransientError, isUnsentError, networkErrorCode } from './errors/classify.js';
export { isHttpStatusError } from './errors/HttpStatusError.js';
export { isIsolatedCircuitError } from './errors/IsolatedCircuitError.js';
export { isNoInstancesError } from './errors/NoInstancesError.js';
export { isRegistryError } from './errors/RegistryError.js';
export { hasErrorCode, isSwitchyardError, SWITCHYARD_ERROR_CODES } from './errors/SwitchyardError.js';
export { isTimeoutError } from './errors/TimeoutError.js';
export { channels } from './events/channels.js';
export type * from './events/messages.js';
export type { LinkedSignal } from './policy/anySignal.js';
export { anySignal } from './policy/anySignal.js';
export type { BulkheadRejectEvent } from './policy/BulkheadPolicy.js';
export type { BackoffOptions } from './policy/backoffDelay.js';
export { backoffDelay } from './policy/backoffDelay.js';
export type { FallbackEvent } from './policy/FallbackPolicy.js';
export type { HedgeEvent } from './policy/HedgingPolicy.js';
export type { BudgetExhaustedEvent, GiveUpEvent, GiveUpReason, RetryEvent } from './policy/RetryPolicy.js';
export { sleep } from './policy/sleep.js';
export type { TimeoutEvent } from './policy/TimeoutPolicy.js';
export { instanceAuthority } from './registry/Instance.js';
export { matchesFilter } from './registry/matchesFilter.js';
export type { RegistryServiceState } from './telemetry/LiveSources.js';
