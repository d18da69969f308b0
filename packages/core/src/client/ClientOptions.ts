import type { Balancer } from '../balancer/Balancer.js';
import type { BalancerName } from '../balancer/createBalancer.js';
import type { CircuitBreaker } from '../breaker/CircuitBreaker.js';
import type { SlidingWindowBreakerOptions } from '../breaker/SlidingWindowBreakerOptions.js';
import type { Clock } from '../common/Clock.js';
import type { BulkheadOptions } from '../policy/BulkheadPolicy.js';
import type { HedgeOptions } from '../policy/HedgingPolicy.js';
import type { RetryBudgetOptions } from '../policy/RetryBudget.js';
import type { RetryOptions } from '../policy/RetryPolicy.js';
import type { Instance } from '../registry/Instance.js';
import type { InstanceFilter, ServiceRegistry } from '../registry/ServiceRegistry.js';
import type { SwitchyardTelemetry, SwitchyardTelemetryOptions } from '../telemetry/SwitchyardTelemetry.js';

/** Retry options plus the budget that caps them (`false` for no budget). */
export interface ClientRetryOptions extends Omit<RetryOptions, 'budget'> {
  /** Default `{ ratio: 0.2, minRetriesPerSecond: 10, ttlMs: 10000 }`, one budget per service. */
  readonly budget?: RetryBudgetOptions | false;
}

/** Creates the breaker of one instance of a service. */
export type ClientBreakerFactory = (service: string, instance: Instance) => CircuitBreaker;

/** Everything that can be set per service; `createClient` options are the defaults for all services. */
export interface ServicePolicyOptions {
  /** A strategy name (one balancer per service), or a factory. Default `'peak-ewma'`. */
  readonly balancer?: BalancerName | ((service: string) => Balancer);
  /** Which instances to consider. Default: health passing or warning. */
  readonly filter?: InstanceFilter;
  /**
   * Per-instance circuit breakers (outlier ejection): options for the native
   * `SlidingWindowBreaker`, a factory (e.g. for `OpossumBreaker`), or `false`.
   * Default: native, count window of 20 calls, 10 minimum, 50 % failures, 5 s open.
   */
  readonly breaker?: SlidingWindowBreakerOptions | ClientBreakerFactory | false;
  /** Retry options, or `false`. Default 3 attempts, full-jitter backoff from 50 ms, 20 % budget. */
  readonly retry?: ClientRetryOptions | false;
  /** Per-attempt timeout in ms, or `false`. Default 10000. */
  readonly timeoutMs?: number | false;
  /** Concurrency limit per service, or `false`. Default `false`. */
  readonly bulkhead?: BulkheadOptions | false;
  /** Hedged requests for idempotent calls, or `false`. Default `false`. */
  readonly hedge?: HedgeOptions | false;
}

export interface ClientOptions extends ServicePolicyOptions {
  readonly registry: ServiceRegistry;
  /** Per-service overrides of the policy options above. */
  readonly services?: Readonly<Record<string, ServicePolicyOptions>>;
  /** A telemetry instance to share, options for a new one, or `false` for none. Default: the global OpenTelemetry providers. */
  readonly telemetry?: SwitchyardTelemetry | SwitchyardTelemetryOptions | false;
  /** The fetch `client.fetch` uses. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
  /** Scheme for `client.fetch` URLs unless an instance's `meta.scheme` says otherwise. Default `'http'`. */
  readonly scheme?: 'http' | 'https';
  /**
   * Statuses that count as a failed attempt: retried (on idempotent calls), counted by
   * breakers when >= 500. Default: 5xx and 429.
   */
  readonly isFailureStatus?: (status: number) => boolean;
  /** Monotonic clock for latencies and breakers. Default `systemClock`. */
  readonly clock?: Clock;
}

/** Per-call options of `client.call`. */
export interface CallRequestOptions {
  /** Aborts the call: no further attempts, the current one cancelled. */
  readonly signal?: AbortSignal;
  /** Whether the call may be repeated. Default true for `call`, method-derived for `fetch`. */
  readonly idempotent?: boolean;
  /** Routing key for the consistent-hash balancer. */
  readonly key?: string;
}

/** Per-call options of `client.fetch`: fetch's own plus Switchyard's. */
export interface FetchRequestInit extends RequestInit {
  /** Whether the request may be repeated. Default: by method (GET, HEAD, OPTIONS, PUT, DELETE, TRACE). */
  readonly idempotent?: boolean;
  /** Routing key for the consistent-hash balancer. */
  readonly key?: string;
}

/** Per-call options of `client.request` (undici's `request` underneath). */
export interface ServiceRequestOptions {
  /** Default `'GET'`. */
  readonly method?: string;
  /** Request headers; names are matched case-insensitively against the trace headers added. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A body that can be sent again on a retry; a stream is sent once (make the call non-idempotent). */
  readonly body?: string | Uint8Array | null;
  /** Aborts the call: no further attempts, the current one cancelled. */
  readonly signal?: AbortSignal;
  /** Whether the request may be repeated. Default: by method (GET, HEAD, OPTIONS, PUT, DELETE, TRACE). */
  readonly idempotent?: boolean;
  /** Routing key for the consistent-hash balancer. */
  readonly key?: string;
}
