import type { Disposable } from '../common/Disposable.js';
import type { Event } from '../common/Event.js';

/**
 * `closed` admits calls and counts outcomes; `open` rejects until its open duration
 * passes; `half-open` admits a few probes to decide; `isolated` rejects until reset.
 */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

export const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half-open', 'isolated'];

export interface StateChange {
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** Why, for logs: e.g. `failure rate 62.5% >= 50%`, `probe succeeded`, `isolated by operator`. */
  readonly reason: string;
  /** Clock time (ms) of the transition. */
  readonly at: number;
}

/** Counters behind the current decision; cheap to build, built only when asked for. */
export interface BreakerSnapshot {
  readonly state: CircuitState;
  /** Calls recorded in the current window. */
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
  /** Percent 0..100, or -1 when fewer than the minimum number of calls were recorded. */
  readonly failureRate: number;
  readonly slowCallRate: number;
  /** Calls currently admitted and not yet finished. */
  readonly inFlight: number;
  /** When open: ms until probes are admitted; otherwise 0. */
  readonly retryAfterMs: number;
}

/** Guards calls to one dependency. */
export interface CircuitBreaker extends Disposable {
  readonly state: CircuitState;
  /**
   * Runs `fn` if the circuit admits a call, else rejects with `BrokenCircuitError`
   * (or `IsolatedCircuitError`). Outcomes of admitted calls update the circuit. An
   * aborted call (the caller's signal) is not counted as a failure.
   */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /**
   * Optional. `execute`, except that a refusal is an outcome rather than an error: when the
   * circuit would reject the call right now, returns `undefined` without running `fn` (and
   * without making an error). The client uses it to re-pick past a refusing instance at no
   * cost; a breaker without it is driven through `execute` and its rejection instead.
   */
  tryExecute?<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> | undefined;
  /**
   * Whether a call would be admitted now, without taking a half-open probe permit.
   * Balancers use it to skip instances whose breaker is open.
   */
  admits(): boolean;
  readonly onStateChange: Event<StateChange>;
  snapshot(): BreakerSnapshot;
  /** Forces the circuit open until `reset()` (manual override). */
  isolate(): void;
  /** Back to closed with empty windows. */
  reset(): void;
}
