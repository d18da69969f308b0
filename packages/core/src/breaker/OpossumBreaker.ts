import Opossum from 'opossum';
import { type Event, EventEmitter } from '../common/Event.js';
import { BrokenCircuitError } from '../errors/BrokenCircuitError.js';
import { ConfigError } from '../errors/ConfigError.js';
import { isCallerAbort } from '../errors/classify.js';
import { type ErrorFilter, errorFilterOption, filterHandles } from '../errors/ErrorFilter.js';
import { IsolatedCircuitError } from '../errors/IsolatedCircuitError.js';
import { readProperty } from '../errors/safeRead.js';
import { anySignal } from '../policy/anySignal.js';
import type { BreakerSnapshot, CircuitBreaker, CircuitState, StateChange } from './CircuitBreaker.js';
import { neverAbortedSignal } from './neverAbortedSignal.js';
import { checkOpossumOptions } from './opossumOptions.js';

type Guarded = (signal: AbortSignal) => Promise<unknown>;
/**
 * What we hand opossum's `fire()`: the guarded function, the caller's signal, the signal
 * the function gets, and the adapter's generation when the call started (bumped by `reset()`).
 */
type FireArgs = [fn: Guarded, callerSignal: AbortSignal, fnSignal: AbortSignal, generation: number];
type Counter = keyof Opossum.Bucket;
/** The outcome counters opossum bumps when a call ends; a late call's bumps are dropped. */
const OUTCOMES: ReadonlySet<string> = new Set<Counter>(['successes', 'failures', 'timeouts']);

/** A success of a call started before `reset()`: sent through opossum as a filtered error so it counts nowhere, then unwrapped for its caller. */
class LateSuccess {
  constructor(readonly value: unknown) {}
}

/**
 * opossum's own options, passed through. Defaults that differ from opossum's:
 * `timeout: false` (Switchyard's timeout policy bounds calls and aborts them),
 * `enableSnapshots: false` and `rollingPercentilesEnabled: false` (one timer fewer per
 * breaker, and no latency arrays growing with traffic); pass them to opt back in.
 * `cache` and `coalesce` are refused: every call guards a different function, so they
 * would hand one call's result to another.
 */
export type OpossumBreakerOptions = Opossum.Options<FireArgs> & {
  /**
   * Which errors count as failures, in the shape every Switchyard policy takes; any
   * other error counts as a success (opossum's `errorFilter` returning true). Give this
   * or `errorFilter`, not both. opossum has no "ignore" outcome, so there is no `ignore`.
   */
  readonly handle?: ErrorFilter;
};

/**
 * The `CircuitBreaker` interface over an opossum 9 breaker, for teams that already
 * tune opossum. Differences from `SlidingWindowBreaker`, all opossum's: one probe in
 * half-open (the first call after `resetTimeout`; the rest are rejected until it ends);
 * a time window of `rollingCountBuckets` buckets rotated by a timer; the circuit opens
 * when the failure rate is strictly above `errorThresholdPercentage`; no slow-call
 * rate and no backoff; `errorFilter` can only turn an error into a success.
 *
 * An error raised after the caller's signal aborted is not a failure: in closed it is
 * recorded as a filtered success (opossum has no "ignore"). An aborted half-open probe
 * re-opens the circuit, because opossum cannot hand its single probe permit back and
 * closing on no evidence would be unsafe.
 *
 * Calls started before `reset()` are counted nowhere when they end, and never close or
 * open the circuit; with `rollingPercentilesEnabled: false` no latency is kept (opossum 9
 * itself keeps pushing every latency and only skips the percentiles).
 */
export class OpossumBreaker implements CircuitBreaker {
  /** The underlying opossum breaker, for its own events, stats and metrics exporters. */
  readonly opossum: Opossum<FireArgs, unknown>;
  private readonly settings: OpossumBreakerOptions;
  private readonly resetTimeout: number;
  private readonly stateChanges = new EventEmitter<StateChange>();
  /** Isolation is ours: opossum's `open()` would arm its reset timer and half-open behind our back. */
  private isolated = false;
  /** Set while we drive opossum ourselves, so its events do not double-report. */
  private muted = false;
  private last: CircuitState = 'closed';
  private openedAt = 0;
  private inFlight = 0;
  private probeAborted = false;
  /** Bumped by `reset()`; a call carries the generation it started in. */
  private generation = 0;
  /** Set while opossum reports the end of a call started before the latest `reset()`. */
  private late = false;

  readonly onStateChange: Event<StateChange> = this.stateChanges.event;

  constructor(options: OpossumBreakerOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('opossum', 'an options object', options);
    const raw = options as Record<string, unknown>;
    if (raw.ignore !== undefined) {
      throw new ConfigError('opossum.ignore', 'no value: opossum has no "ignore" outcome (use handle)', raw.ignore);
    }
    checkOpossumOptions(raw);
    const { handle: handleOption, ...opossumOptions } = options;
    const handle = handleOption === undefined ? undefined : errorFilterOption('opossum.handle', handleOption);
    const userFilter = options.errorFilter;
    if (handle !== undefined && userFilter !== undefined) {
      throw new ConfigError('opossum.handle', 'either handle or errorFilter, not both', handleOption);
    }
    // A copy: opossum writes its defaults (and renewed abort controllers) into the object it is given.
    this.settings = {
      timeout: false,
      enableSnapshots: false,
      rollingPercentilesEnabled: false,
      ...opossumOptions,
      errorFilter: (error: unknown, ...args: unknown[]) => {
        if (args[3] !== this.generation) {
          // Filtered, so opossum emits 'success' next, synchronously: `late` hides it.
          this.late = true;
          return true;
        }
        if (isCallerAbort(args[1] as AbortSignal | undefined)) {
          if (!this.opossum.halfOpen) return true;
          this.probeAborted = true;
          return false;
        }
        // true = "not a failure"; a predicate that throws counts the error as a failure.
        if (handle !== undefined) return !filterHandles(handle, error, true);
        try {
          return userFilter !== undefined && userFilter(error) === true;
        } catch {
          return false;
        }
      },
    };
    this.resetTimeout = this.settings.resetTimeout ?? 30_000;
    // Nameless, so opossum names each breaker with a fresh id unless `name` is given.
    const run = Object.defineProperty(
      async (fn: Guarded, _callerSignal: AbortSignal, fnSignal: AbortSignal, generation: number) => {
        const value = await fn(fnSignal);
        if (generation !== this.generation) throw new LateSuccess(value);
        return value;
      },
      'name',
      { value: '' },
    );
    const breaker = new Opossum<FireArgs, unknown>(run, this.settings);
    this.opossum = breaker;
    this.interceptCounting(breaker);
    breaker.on('open', () => {
      this.openedAt = Date.now();
      this.follow('open', this.openReason());
    });
    breaker.on('halfOpen', () => this.follow('half-open', `reset timeout of ${this.resetTimeout} ms elapsed`));
    breaker.on('close', () => this.follow('closed', this.last === 'half-open' ? 'probe succeeded' : 'closed'));
    breaker.on('shutdown', () => this.follow('isolated', 'opossum breaker shut down'));
  }

  get state(): CircuitState {
    const o = this.opossum;
    if (this.isolated || o.isShutdown) return 'isolated';
    if (o.opened) return 'open';
    return o.halfOpen ? 'half-open' : 'closed';
  }

  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw signal.reason;
    if (this.isolated || this.opossum.isShutdown) throw new IsolatedCircuitError();
    const callerSignal = signal ?? neverAbortedSignal;
    // With opossum's own timeout and abortController, its abort reaches the function too.
    // Linked by hand, not AbortSignal.any: opossum's controller lives long, and every
    // derived signal would stay reachable from it (nodejs/node#54614).
    const own = this.settings.abortController?.signal;
    const link = own !== undefined && signal !== undefined ? anySignal(signal, own) : undefined;
    const fnSignal = link?.signal ?? own ?? callerSignal;
    this.inFlight++;
    try {
      return (await this.opossum.fire(fn, callerSignal, fnSignal, this.generation)) as T;
    } catch (error) {
      if (error instanceof LateSuccess) return error.value as T;
      throw this.translate(error);
    } finally {
      this.inFlight--;
      link?.dispose();
    }
  }

  admits(): boolean {
    const o = this.opossum;
    if (this.isolated || o.isShutdown) return false;
    // Disabled opossum passes every call through; half-open admits its single probe.
    return !o.enabled || o.closed || (o.halfOpen && o.pendingClose);
  }

  snapshot(): BreakerSnapshot {
    const stats = this.opossum.stats;
    // opossum's own rule: failures / fires, once fires reach volumeThreshold. Rejected calls are fires too.
    const enough = stats.fires > 0 && stats.fires >= this.opossum.volumeThreshold;
    const state = this.state;
    return {
      state,
      calls: stats.fires,
      failures: stats.failures,
      slowCalls: 0,
      failureRate: enough ? (stats.failures * 100) / stats.fires : -1,
      slowCallRate: enough ? 0 : -1,
      inFlight: this.inFlight,
      retryAfterMs: state === 'open' ? this.retryAfterMs() : 0,
    };
  }

  isolate(): void {
    if (this.isolated) return;
    this.isolated = true;
    this.report('isolated', 'isolated by operator');
  }

  reset(): void {
    this.generation++;
    this.isolated = false;
    this.muted = true;
    try {
      this.opossum.close();
      this.clearWindow();
    } finally {
      this.muted = false;
    }
    this.report(this.state, 'reset by operator');
  }

  /** Stops opossum's timers (`shutdown()`); listeners are dropped first, so no event follows. */
  dispose(): void {
    this.stateChanges.clear();
    if (!this.opossum.isShutdown) this.opossum.shutdown();
  }

  private follow(to: CircuitState, reason: string): void {
    if (this.isolated || this.muted) return;
    this.report(to, reason);
  }

  private report(to: CircuitState, reason: string): void {
    const from = this.last;
    if (from === to) return;
    this.last = to;
    if (this.stateChanges.size > 0) this.stateChanges.emit({ from, to, reason, at: Date.now() });
  }

  private openReason(): string {
    if (this.last === 'half-open') {
      const aborted = this.probeAborted;
      this.probeAborted = false;
      return aborted ? 'probe aborted by the caller' : 'probe failed';
    }
    const { failures, fires } = this.opossum.stats;
    const threshold = this.settings.errorThresholdPercentage ?? 50;
    const rate = fires > 0 ? Math.round((failures * 1000) / fires) / 10 : 0;
    return `failure rate ${rate}% > ${threshold}% (${failures} of ${fires} fires)`;
  }

  private retryAfterMs(): number {
    return Math.max(0, this.openedAt + this.resetTimeout - Date.now());
  }

  private translate(error: unknown): unknown {
    // Only opossum's own errors are translated; anything else (however hostile) passes untouched.
    let ours: boolean;
    try {
      ours = error instanceof Error && Opossum.isOurError(error);
    } catch {
      ours = false;
    }
    if (!ours) return error;
    const code = readProperty(error, 'code');
    if (code === 'EOPENBREAKER') {
      const retryAfter = this.opossum.halfOpen ? 0 : this.retryAfterMs();
      const message = this.opossum.halfOpen
        ? 'Circuit is half-open and its probe is in flight'
        : `Circuit is open; retry after ${Math.ceil(retryAfter)} ms`;
      return new BrokenCircuitError(retryAfter, message, { cause: error });
    }
    if (code === 'ESHUTDOWN') return new IsolatedCircuitError('Circuit breaker was shut down', { cause: error });
    return error;
  }

  /**
   * Two changes to opossum's counting, on this instance only. While a late call (one
   * started before `reset()`) ends, its outcome is not counted and `halfOpen` reads false,
   * so opossum's "a success in half-open closes" does not fire for it. Without percentiles,
   * a call's latency is not pushed into the bucket: opossum 9 pushes it whatever
   * `rollingPercentilesEnabled` says, an array that grows with traffic until its bucket
   * rotates. opossum emits 'success' (the late one too) synchronously after the error filter.
   */
  private interceptCounting(breaker: Opossum<FireArgs, unknown>): void {
    const status = breaker.status as Opossum.Status & {
      increment?: (property: Counter, latency?: number) => void;
    };
    const increment = status.increment;
    if (typeof increment === 'function') {
      const counters = this.settings.rollingPercentilesEnabled === false ? bucketsOf(status) : undefined;
      status.increment = (property, latency) => {
        if (this.late && OUTCOMES.has(property)) return;
        const current = counters?.[0];
        if (current === undefined) increment.call(status, property, latency);
        else (current[property] as number)++;
      };
    }
    const halfOpen = Object.getOwnPropertyDescriptor(Opossum.prototype, 'halfOpen')?.get;
    if (halfOpen !== undefined) {
      Object.defineProperty(breaker, 'halfOpen', {
        configurable: true,
        get: () => !this.late && halfOpen.call(breaker),
      });
    }
    // After opossum's own 'success' listeners (counting, close-if-half-open), before any added later.
    breaker.on('success', () => {
      this.late = false;
    });
    // opossum's own timeout bumps `timeouts` before the error filter runs.
    breaker.prependListener('timeout', (_error: unknown, _latency: unknown, args: unknown) => {
      if (Array.isArray(args) && args[3] !== this.generation) this.late = true;
    });
  }

  /** Empties opossum's rolling window by rotating every bucket out, as its own timer does. */
  private clearWindow(): void {
    const rotate = (this.opossum.status as unknown as { rotateBucket?: unknown }).rotateBucket;
    if (typeof rotate !== 'function') return;
    const buckets = this.settings.rollingCountBuckets ?? 10;
    for (let i = 0; i < buckets; i++) (rotate as () => void)();
  }
}

/** opossum 9's bucket array (kept in place as buckets rotate), or undefined if its internals differ. */
function bucketsOf(status: Opossum.Status): Opossum.Bucket[] | undefined {
  const holder = status as unknown as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(status).find((symbol) => symbol.description === 'window');
  const window = key === undefined ? undefined : holder[key];
  return Array.isArray(window) && window.length > 0 ? (window as Opossum.Bucket[]) : undefined;
}
