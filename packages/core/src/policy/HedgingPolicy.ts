import { EventEmitter } from '../common/Event.js';
import { onAbort } from '../common/onAbort.js';
import { booleanOption, finiteNumber, integer, knownKeys, orDefault, plainObject } from '../common/validate.js';
import { transientErrors } from '../errors/defaultFilters.js';
import { type ErrorFilter, errorFilterOption, filterHandles } from '../errors/ErrorFilter.js';
import { callAttempt } from './callAttempt.js';
import { attemptContext, LazyAbort, LazyAttemptContext } from './LazyAbort.js';
import type { AttemptContext, CallOptions, Policy } from './Policy.js';
import { MAX_TIMER_DELAY_MS } from './sleep.js';

export interface HedgeOptions {
  /** How long an attempt may run before another is started beside it. Required. */
  readonly delayMs: number;
  /** Extra attempts at most (so `1 + maxHedges` in flight at worst). Default 1. */
  readonly maxHedges?: number;
  /**
   * Which failures leave the call open to the other attempts. Default: transient errors
   * (`handleWhen(isTransientError)`); any other error ends the call at once with that
   * error (like gRPC's fatal status codes): a 400 from one instance will be a 400 from all.
   */
  readonly handle?: ErrorFilter;
  /** Whether calls that do not say (`CallOptions.idempotent` unset) are idempotent. Default true. */
  readonly idempotent?: boolean;
}

export interface HedgeEvent {
  /** Number of the attempt being started (1 for the first hedge). */
  readonly attempt: number;
  /** `delay`: the others were slow; `failure`: one failed, so the next starts without waiting. */
  readonly trigger: 'delay' | 'failure';
}

/** Hedge options with every default filled in, validated. */
export interface ResolvedHedgeOptions {
  readonly delayMs: number;
  readonly maxHedges: number;
  readonly idempotent: boolean;
  readonly handle: ErrorFilter;
}

/** Validates hedge options (every problem a ConfigError naming `hedge.<option>`) and fills in the defaults. */
export function resolveHedgeOptions(options: HedgeOptions): ResolvedHedgeOptions {
  knownKeys('hedge.', plainObject('hedge', options), HEDGE_OPTIONS);
  return {
    delayMs: finiteNumber('hedge.delayMs', options.delayMs, 0, MAX_TIMER_DELAY_MS),
    maxHedges: integer('hedge.maxHedges', orDefault(options.maxHedges, 1), 0, 16),
    idempotent: booleanOption('hedge.idempotent', orDefault(options.idempotent, true)),
    handle: options.handle === undefined ? transientErrors : errorFilterOption('hedge.handle', options.handle),
  };
}

/**
 * Tail-latency hedging ("The Tail at Scale"): when the first attempt has not settled
 * after `delayMs`, start another (with `ctx.attempt` incremented so the caller picks
 * another instance), up to `maxHedges`. The first success wins and every other attempt
 * is aborted through its signal; a caller abort reaches every attempt with the caller's
 * reason. A retryable failure starts the next hedge at once.
 * When every attempt has failed, the call rejects with the error of the attempt that
 * failed last. Only idempotent calls are hedged; others run once.
 */
export class HedgingPolicy implements Policy {
  readonly delayMs: number;
  readonly maxHedges: number;
  readonly idempotent: boolean;
  readonly handle: ErrorFilter;
  private readonly hedgeEmitter = new EventEmitter<HedgeEvent>();
  /** When a hedged attempt starts. */
  readonly onHedge = this.hedgeEmitter.event;

  constructor(options: HedgeOptions) {
    const o = resolveHedgeOptions(options);
    this.delayMs = o.delayMs;
    this.maxHedges = o.maxHedges;
    this.idempotent = o.idempotent;
    this.handle = o.handle;
  }

  execute<T>(fn: (ctx: AttemptContext) => Promise<T>, signal?: AbortSignal, options?: CallOptions): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.maxHedges === 0 || !(options?.idempotent ?? this.idempotent)) {
      return callAttempt(fn, attemptContext(signal, 0));
    }
    const total = 1 + this.maxHedges;
    return new Promise<T>((resolve, reject) => {
      // One controller per attempt, made lazily; only this policy aborts them, so the
      // caller's signal carries a single listener however many attempts start.
      const attempts: LazyAbort[] = [];
      let failed = 0;
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;

      /**
       * Ends the call: stops the timer and aborts every attempt but `winner` (-1 when the
       * caller aborted: then every attempt gets the caller's reason).
       */
      const finish = (winner: number): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        unlisten?.();
        const reason =
          winner < 0
            ? signal?.reason
            : attempts.length > 1
              ? new DOMException('Another hedged attempt settled the call', 'AbortError')
              : undefined;
        // The winner is left alone: its response body may still be streaming.
        for (let i = 0; i < attempts.length; i++) if (i !== winner) attempts[i]?.abort(reason);
        return true;
      };
      const onParentAbort = (): void => {
        if (finish(-1)) reject(signal?.reason);
      };
      const launch = (trigger: HedgeEvent['trigger']): void => {
        clearTimeout(timer);
        const index = attempts.length;
        const controller = new LazyAbort();
        attempts.push(controller);
        if (index > 0) this.hedgeEmitter.emit({ attempt: index, trigger });
        if (attempts.length < total) timer = setTimeout(() => launch('delay'), this.delayMs);
        callAttempt(fn, new LazyAttemptContext(controller, index)).then(
          (value) => {
            if (finish(index)) resolve(value);
          },
          (error: unknown) => {
            if (settled) return;
            failed++;
            // A predicate that throws ends the call with the attempt's error, never its own.
            if (!filterHandles(this.handle, error, false) || failed === total) {
              if (finish(index)) reject(error);
            } else if (attempts.length < total) {
              launch('failure');
            }
            // Otherwise the attempts still running decide.
          },
        );
      };
      const unlisten = signal === undefined ? undefined : onAbort(signal, onParentAbort);
      launch('delay');
    });
  }
}

export function hedge(options: HedgeOptions): HedgingPolicy {
  return new HedgingPolicy(options);
}

const HEDGE_OPTIONS: readonly (keyof HedgeOptions)[] = ['delayMs', 'maxHedges', 'handle', 'idempotent'];
