import type { Clock } from '../common/Clock.js';
import { type Event, EventEmitter } from '../common/Event.js';
import { rejectSoon } from '../common/rejectSoon.js';
import { brokenCircuit } from '../errors/BrokenCircuitError.js';
import { isCallerAbort } from '../errors/classify.js';
import { filterHandles } from '../errors/ErrorFilter.js';
import { isolatedCircuit } from '../errors/IsolatedCircuitError.js';
import type { BreakerSnapshot, CircuitBreaker, CircuitState, StateChange } from './CircuitBreaker.js';
import { CountWindow } from './CountWindow.js';
import { neverAbortedSignal } from './neverAbortedSignal.js';
import { FAILED, type OutcomeWindow, SLOW } from './OutcomeWindow.js';
import {
  type ErrorClass,
  type ResolvedBreakerOptions,
  resolveBreakerOptions,
  type SlidingWindowBreakerOptions,
} from './SlidingWindowBreakerOptions.js';
import { TimeWindow } from './TimeWindow.js';

// States as small integers on the hot path; names only at the edges.
const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const ISOLATED = 3;
type Mode = typeof CLOSED | typeof OPEN | typeof HALF_OPEN | typeof ISOLATED;
const NAMES: readonly CircuitState[] = ['closed', 'open', 'half-open', 'isolated'];

/**
 * A circuit breaker with resilience4j's semantics and no timers: a count or time
 * sliding window of outcomes opens the circuit when the failure rate or the slow-call
 * rate reaches its threshold; after `waitDurationInOpenState` (optionally backed off
 * on consecutive re-opens) the next call, `admits()` or state read moves it to
 * half-open, where exactly `permittedNumberOfCallsInHalfOpenState` probes are admitted
 * and their outcomes decide between closed and open again.
 *
 * Every call does O(1) work on preallocated storage. Outcomes of calls admitted before
 * the latest transition are dropped, so stale results never sway a new state. A refusal
 * costs no stack trace: `execute` rejects with an error made without one, and
 * `tryExecute` returns `undefined` and makes nothing at all.
 */
export class SlidingWindowBreaker implements CircuitBreaker {
  private readonly opts: ResolvedBreakerOptions;
  private readonly clock: Clock;
  private readonly window: OutcomeWindow;
  private readonly stateChanges = new EventEmitter<StateChange>();
  /** Slow calls are tracked (the duration threshold is finite). */
  private readonly timed: boolean;
  private readonly readsClock: boolean;
  private mode: Mode = CLOSED;
  /** Bumped on every transition and reset; outcomes carry the generation they were admitted in. */
  private generation = 0;
  private inFlight = 0;
  /** Re-opens since the circuit was last closed; drives the backoff. */
  private consecutiveOpens = 0;
  private openUntil = 0;
  private halfOpenSince = 0;
  /** Half-open bookkeeping: permits handed out (and not given back) and finished probes. */
  private permitsTaken = 0;
  private probeCalls = 0;
  private probeFailures = 0;
  private probeSlowCalls = 0;

  readonly onStateChange: Event<StateChange> = this.stateChanges.event;

  constructor(options?: SlidingWindowBreakerOptions) {
    this.opts = resolveBreakerOptions(options);
    this.clock = this.opts.clock;
    this.window =
      this.opts.slidingWindowType === 'count'
        ? new CountWindow(this.opts.slidingWindowSize)
        : new TimeWindow(this.opts.slidingWindowSize);
    this.timed = this.opts.slowCallDurationThreshold !== Number.POSITIVE_INFINITY;
    this.readsClock = this.timed || this.opts.slidingWindowType === 'time';
  }

  /** The validated options, defaults filled in. */
  get options(): ResolvedBreakerOptions {
    return this.opts;
  }

  get state(): CircuitState {
    if (this.mode === OPEN || this.mode === HALF_OPEN) this.refresh(this.clock.now());
    return NAMES[this.mode] as CircuitState;
  }

  execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    // Rejects, never throws, whatever a clock or a signal does.
    try {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (this.mode !== CLOSED) {
        const now = this.clock.now();
        if (!this.acquire(now)) return rejectSoon(this.refusal(now));
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run(fn, signal);
  }

  tryExecute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> | undefined {
    try {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (this.mode !== CLOSED && !this.acquire(this.clock.now())) return undefined;
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run(fn, signal);
  }

  /** Runs an admitted call (a probe permit, if needed, already taken) and records its outcome. */
  private async run<T>(fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const generation = this.generation;
    // The clock is read only when slow calls are tracked (or a time window needs it).
    const start = this.timed ? this.clock.now() : 0;
    this.inFlight++;
    let value: T;
    try {
      value = await fn(signal ?? neverAbortedSignal);
    } catch (error) {
      this.inFlight--;
      this.settleError(generation, error, signal, start);
      throw error;
    }
    this.inFlight--;
    if (generation === this.generation) this.settle(generation, 0, start);
    return value;
  }

  admits(): boolean {
    const mode = this.mode;
    if (mode === CLOSED) return true;
    if (mode === ISOLATED) return false;
    this.refresh(this.clock.now());
    return this.mode === HALF_OPEN && this.permitsTaken < this.opts.permittedNumberOfCallsInHalfOpenState;
  }

  snapshot(): BreakerSnapshot {
    const now = this.clock.now();
    this.refresh(now);
    const half = this.mode === HALF_OPEN;
    if (this.mode === CLOSED) this.window.roll(now);
    const calls = half ? this.probeCalls : this.window.calls;
    const failures = half ? this.probeFailures : this.window.failures;
    const slowCalls = half ? this.probeSlowCalls : this.window.slowCalls;
    const enough = calls >= (half ? this.opts.permittedNumberOfCallsInHalfOpenState : this.opts.minimumNumberOfCalls);
    return {
      state: NAMES[this.mode] as CircuitState,
      calls,
      failures,
      slowCalls,
      failureRate: enough ? (failures * 100) / calls : -1,
      slowCallRate: enough ? (slowCalls * 100) / calls : -1,
      inFlight: this.inFlight,
      retryAfterMs: this.mode === OPEN ? Math.max(0, this.openUntil - now) : 0,
    };
  }

  isolate(): void {
    // No refresh first: an open circuit whose wait passed goes straight to isolated, with
    // no half-open in between that nobody could probe.
    if (this.mode !== ISOLATED) this.transition(ISOLATED, 'isolated by operator', this.clock.now());
  }

  reset(): void {
    this.window.clear();
    this.consecutiveOpens = 0;
    if (this.mode === CLOSED) this.generation++;
    else this.transition(CLOSED, 'reset by operator', this.clock.now());
  }

  dispose(): void {
    this.stateChanges.clear();
  }

  /** Admission outside closed: refreshes the state and takes a probe permit if it can; false when refused. */
  private acquire(now: number): boolean {
    this.refresh(now);
    switch (this.mode) {
      case CLOSED:
        return true;
      case HALF_OPEN:
        if (this.permitsTaken < this.opts.permittedNumberOfCallsInHalfOpenState) {
          this.permitsTaken++;
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  /** The error of a refusal `acquire` just made, in the state it left. */
  private refusal(now: number): Error {
    switch (this.mode) {
      case HALF_OPEN:
        return brokenCircuit(
          0,
          `Circuit is half-open and all ${this.opts.permittedNumberOfCallsInHalfOpenState} probe permits are taken`,
        );
      case OPEN:
        return brokenCircuit(this.openUntil - now);
      default:
        return isolatedCircuit();
    }
  }

  /**
   * The lazy, time-driven transitions: open → half-open (dated when observed: half-open
   * starts when a call can probe), and a half-open that took too long → open, dated when
   * the max wait ran out, so the open period that follows ends when it would have had a
   * timer fired. If that period is over too, half-open starts again now.
   */
  private refresh(now: number): void {
    if (this.mode === HALF_OPEN) {
      const maxWait = this.opts.maxWaitDurationInHalfOpenState;
      if (maxWait <= 0 || now - this.halfOpenSince < maxWait) return;
      this.toOpen(this.halfOpenSince + maxWait, `no decision within ${maxWait} ms in half-open`);
    }
    if (this.mode === OPEN && now >= this.openUntil) this.toHalfOpen(now);
  }

  private settleError(generation: number, error: unknown, signal: AbortSignal | undefined, start: number): void {
    if (generation !== this.generation) return;
    // The caller gave up: that says nothing about the dependency's health.
    const kind = isCallerAbort(signal) ? 'ignore' : this.classify(error);
    if (kind === 'ignore') {
      // Not recorded at all; a probe's permit goes back so another call can probe.
      if (this.mode === HALF_OPEN) this.permitsTaken--;
      return;
    }
    this.settle(generation, kind === 'failure' ? FAILED : 0, start);
  }

  /** Records a finished call; `now` stays NaN unless something needs the time. */
  private settle(generation: number, failed: number, start: number): void {
    const now = this.readsClock ? this.clock.now() : Number.NaN;
    const slow = this.timed && now - start > this.opts.slowCallDurationThreshold ? SLOW : 0;
    this.record(generation, failed | slow, now);
  }

  /** `ignore` first (as resilience4j's ignoreExceptions), then `handle`; a throwing predicate counts conservatively. */
  private classify(error: unknown): ErrorClass {
    const ignore = this.opts.ignore;
    if (ignore !== undefined && filterHandles(ignore, error, false)) return 'ignore';
    return filterHandles(this.opts.handle, error, true) ? 'failure' : 'success';
  }

  private record(generation: number, outcome: number, now: number): void {
    if (generation !== this.generation) return;
    if (this.mode === CLOSED) {
      const window = this.window;
      window.record(outcome, now);
      const calls = window.calls;
      if (calls < this.opts.minimumNumberOfCalls) return;
      if (window.failures * 100 >= this.opts.failureRateThreshold * calls) {
        this.toOpen(this.at(now), `failure rate ${pct(window.failures, calls)}% >= ${this.opts.failureRateThreshold}%`);
      } else if (window.slowCalls * 100 >= this.opts.slowCallRateThreshold * calls) {
        this.toOpen(
          this.at(now),
          `slow-call rate ${pct(window.slowCalls, calls)}% >= ${this.opts.slowCallRateThreshold}%`,
        );
      }
    } else if (this.mode === HALF_OPEN) {
      now = this.at(now);
      this.refresh(now);
      if (generation !== this.generation) return;
      this.probeCalls++;
      this.probeFailures += outcome & FAILED;
      this.probeSlowCalls += (outcome & SLOW) >> 1;
      if (this.probeCalls === this.opts.permittedNumberOfCallsInHalfOpenState) this.decide(now);
    }
  }

  private at(now: number): number {
    return Number.isNaN(now) ? this.clock.now() : now;
  }

  /** All probes finished: the same thresholds as closed, applied to the probes. */
  private decide(now: number): void {
    const { failureRateThreshold, slowCallRateThreshold } = this.opts;
    const n = this.probeCalls;
    const what = `${this.probeFailures} of ${n} probes failed, ${this.probeSlowCalls} slow`;
    if (this.probeFailures * 100 >= failureRateThreshold * n) {
      this.toOpen(now, `${what} (failure rate ${pct(this.probeFailures, n)}% >= ${failureRateThreshold}%)`);
    } else if (this.probeSlowCalls * 100 >= slowCallRateThreshold * n) {
      this.toOpen(now, `${what} (slow-call rate ${pct(this.probeSlowCalls, n)}% >= ${slowCallRateThreshold}%)`);
    } else {
      this.window.clear();
      this.consecutiveOpens = 0;
      this.transition(CLOSED, what, now);
    }
  }

  private toOpen(now: number, reason: string): void {
    const { waitDurationInOpenState, backoffMultiplier, backoffMaxMs } = this.opts;
    const wait = Math.min(backoffMaxMs, waitDurationInOpenState * backoffMultiplier ** this.consecutiveOpens);
    this.consecutiveOpens++;
    this.openUntil = now + wait;
    this.transition(OPEN, `${reason}; open for ${wait} ms`, now);
  }

  private toHalfOpen(now: number): void {
    this.halfOpenSince = now;
    this.permitsTaken = 0;
    this.probeCalls = 0;
    this.probeFailures = 0;
    this.probeSlowCalls = 0;
    this.transition(HALF_OPEN, 'open wait elapsed', now);
  }

  private transition(to: Mode, reason: string, at: number): void {
    const from = this.mode;
    this.mode = to;
    this.generation++;
    // Build the event only when someone listens.
    if (this.stateChanges.size > 0) {
      this.stateChanges.emit({ from: NAMES[from] as CircuitState, to: NAMES[to] as CircuitState, reason, at });
    }
  }
}

function pct(part: number, whole: number): string {
  return String(Math.round((part * 1000) / whole) / 10);
}
