import { EventEmitter } from '../common/Event.js';
import { onAbort } from '../common/onAbort.js';
import { rejectSoon } from '../common/rejectSoon.js';
import { integer, knownKeys, orDefault, plainObject } from '../common/validate.js';
import { bulkheadRejected } from '../errors/BulkheadRejectedError.js';
import { callAttempt } from './callAttempt.js';
import { attemptContext } from './LazyAbort.js';
import type { AttemptContext, CallOptions, Policy } from './Policy.js';

export interface BulkheadOptions {
  /** Calls allowed to run at once. Required. */
  readonly maxConcurrent: number;
  /** Calls allowed to wait for a slot, first in first out. Default 0 (reject at once). */
  readonly maxQueue?: number;
}

const BULKHEAD_OPTIONS: readonly (keyof BulkheadOptions)[] = ['maxConcurrent', 'maxQueue'];

export interface BulkheadRejectEvent {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  readonly inFlight: number;
  readonly queued: number;
}

/** Validates bulkhead options (a ConfigError names `bulkhead.<option>`) and fills in the defaults. */
export function resolveBulkheadOptions(options: BulkheadOptions): Required<BulkheadOptions> {
  knownKeys('bulkhead.', plainObject('bulkhead', options), BULKHEAD_OPTIONS);
  return {
    maxConcurrent: integer('bulkhead.maxConcurrent', options.maxConcurrent, 1),
    maxQueue: integer('bulkhead.maxQueue', orDefault(options.maxQueue, 0), 0),
  };
}

/**
 * Bounds concurrency so one slow dependency cannot take every socket, request slot or
 * bit of memory: at most `maxConcurrent` calls run and `maxQueue` wait; any more are
 * rejected with `BulkheadRejectedError` straight away (fail fast beats queueing
 * unboundedly), an error made without a stack trace, so shedding load stays cheap. A waiter whose signal aborts leaves the queue and rejects with the
 * abort reason. A finished call hands its slot to the oldest waiter directly, so a new
 * arrival cannot overtake the queue.
 */
export class BulkheadPolicy implements Policy {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  private running = 0;
  /** Insertion-ordered, O(1) removal of an aborted waiter. */
  private readonly waiters = new Set<() => void>();
  private readonly rejectEmitter = new EventEmitter<BulkheadRejectEvent>();
  /** When a call is rejected for lack of room. */
  readonly onReject = this.rejectEmitter.event;

  constructor(options: BulkheadOptions) {
    const o = resolveBulkheadOptions(options);
    this.maxConcurrent = o.maxConcurrent;
    this.maxQueue = o.maxQueue;
  }

  /** Calls running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.waiters.size;
  }

  execute<T>(fn: (ctx: AttemptContext) => Promise<T>, signal?: AbortSignal, _options?: CallOptions): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.running < this.maxConcurrent) {
      this.running++;
      return this.run(fn, signal);
    }
    if (this.waiters.size >= this.maxQueue) {
      if (this.rejectEmitter.size > 0) this.emitReject();
      return rejectSoon(bulkheadRejected(this.maxConcurrent, this.maxQueue));
    }
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        unlisten?.();
        this.run(fn, signal).then(resolve, reject);
      };
      this.waiters.add(start);
      const unlisten =
        signal === undefined
          ? undefined
          : onAbort(signal, () => {
              this.waiters.delete(start);
              reject(signal.reason);
            });
    });
  }

  private emitReject(): void {
    this.rejectEmitter.emit({
      maxConcurrent: this.maxConcurrent,
      maxQueue: this.maxQueue,
      inFlight: this.running,
      queued: this.waiters.size,
    });
  }

  /** Runs `fn` in a slot already counted in `running`, and passes the slot on when done. */
  private run<T>(fn: (ctx: AttemptContext) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const promise = callAttempt(fn, attemptContext(signal, 0));
    const release = (): void => {
      const next = this.waiters.values().next();
      if (next.done) {
        this.running--;
        return;
      }
      this.waiters.delete(next.value);
      next.value();
    };
    promise.then(release, release);
    return promise;
  }
}

export function bulkhead(options: BulkheadOptions): BulkheadPolicy {
  return new BulkheadPolicy(options);
}
