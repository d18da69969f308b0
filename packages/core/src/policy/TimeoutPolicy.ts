import { type Clock, systemClock } from '../common/Clock.js';
import { EventEmitter } from '../common/Event.js';
import { onAbort } from '../common/onAbort.js';
import { finiteNumber, fn, knownKeys, plainObject } from '../common/validate.js';
import { TimeoutError } from '../errors/TimeoutError.js';
import { callAttempt } from './callAttempt.js';
import { DeadlineQueue } from './DeadlineQueue.js';
import { LazyAbort, LazyAttemptContext } from './LazyAbort.js';
import type { AttemptContext, CallOptions, Policy } from './Policy.js';
import { MAX_TIMER_DELAY_MS } from './sleep.js';

export interface TimeoutOptions {
  /** Time source of the deadlines (ms); inject a fake one in tests. Default `systemClock`. */
  readonly clock?: Clock;
}

const TIMEOUT_OPTIONS: readonly (keyof TimeoutOptions)[] = ['clock'];

export interface TimeoutEvent {
  readonly timeoutMs: number;
}

/** Validates a timeout in ms (a ConfigError names `option`): at least 1, at most the longest timer. */
export function timeoutMsOption(option: string, ms: unknown): number {
  return finiteNumber(option, ms, 1, MAX_TIMER_DELAY_MS);
}

/**
 * Bounds each execution to `timeoutMs`. The attempt gets its own signal, linked to the
 * caller's: the caller's abort propagates, and at the deadline it aborts with a
 * `TimeoutError` as reason. The returned promise settles at the deadline (or at the
 * caller's abort) even if `fn` ignores its signal. Timer and listener are removed as
 * soon as the execution settles, so a long-lived caller signal accumulates nothing.
 *
 * Once `fn` has settled its signal is detached from the caller's: consume a response
 * body inside `fn` if the deadline or the caller's abort must cover it.
 */
export class TimeoutPolicy implements Policy {
  readonly timeoutMs: number;
  private readonly timeoutEmitter = new EventEmitter<TimeoutEvent>();
  /** When a deadline passes (not when the caller aborts). */
  readonly onTimeout = this.timeoutEmitter.event;

  private readonly deadlines: DeadlineQueue;

  constructor(timeoutMs: number, options: TimeoutOptions = {}) {
    this.timeoutMs = timeoutMsOption('timeout.ms', timeoutMs);
    knownKeys('timeout.', plainObject('timeout', options), TIMEOUT_OPTIONS);
    if (options.clock !== undefined) fn('timeout.clock.now', plainObject('timeout.clock', options.clock).now);
    this.deadlines = new DeadlineQueue(this.timeoutMs, options.clock ?? systemClock);
  }

  execute<T>(fn: (ctx: AttemptContext) => Promise<T>, signal?: AbortSignal, _options?: CallOptions): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const controller = new LazyAbort();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        this.deadlines.cancel(deadline);
        unlisten?.();
        return true;
      };
      const onParentAbort = (): void => {
        if (!settle()) return;
        controller.abort(signal?.reason);
        reject(signal?.reason);
      };
      const deadline = this.deadlines.add(() => {
        if (!settle()) return;
        const error = new TimeoutError(this.timeoutMs);
        controller.abort(error);
        this.timeoutEmitter.emit({ timeoutMs: this.timeoutMs });
        reject(error);
      });
      const unlisten = signal === undefined ? undefined : onAbort(signal, onParentAbort);
      callAttempt(fn, new LazyAttemptContext(controller, 0)).then(
        (value) => {
          if (settle()) resolve(value);
        },
        (error: unknown) => {
          if (settle()) reject(error);
        },
      );
    });
  }
}

export function timeout(ms: number, options?: TimeoutOptions): TimeoutPolicy {
  return new TimeoutPolicy(ms, options);
}
