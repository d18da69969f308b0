import { EventEmitter } from '../common/Event.js';
import { fn as functionOption, knownKeys, plainObject } from '../common/validate.js';
import { type ErrorFilter, errorFilterOption, filterHandles, handleAll } from '../errors/ErrorFilter.js';
import { callAttempt } from './callAttempt.js';
import { attemptContext } from './LazyAbort.js';
import type { AttemptContext, CallOptions, Policy } from './Policy.js';

export interface FallbackOptions {
  /**
   * Which errors the fallback covers. Default `handleAll`. Never the caller's abort; a
   * predicate that throws counts as "no", and the error is rethrown.
   */
  readonly handle?: ErrorFilter;
}

export interface FallbackEvent {
  /** The error the fallback replaced. */
  readonly error: unknown;
}

/**
 * Resolves with a substitute when `fn` fails: a fixed value, or what `handler(error)`
 * returns. When the caller aborted, the abort is passed on instead (nobody wants the
 * substitute). Put it outermost: it turns failures into values, so the layers around
 * it would no longer see them.
 */
export class FallbackPolicy<F> implements Policy<F> {
  private readonly handler: (error: unknown) => F | PromiseLike<F>;
  readonly handle: ErrorFilter;
  private readonly fallbackEmitter = new EventEmitter<FallbackEvent>();
  /** When the substitute is used. */
  readonly onFallback = this.fallbackEmitter.event;

  constructor(handler: (error: unknown) => F | PromiseLike<F>, options: FallbackOptions = {}) {
    functionOption('fallback.handler', handler);
    knownKeys('fallback.', plainObject('fallback', options), FALLBACK_OPTIONS);
    this.handler = handler;
    this.handle = options.handle === undefined ? handleAll : errorFilterOption('fallback.handle', options.handle);
  }

  async execute<T>(
    fn: (ctx: AttemptContext) => Promise<T>,
    signal?: AbortSignal,
    _options?: CallOptions,
  ): Promise<T | F> {
    if (signal?.aborted) throw signal.reason;
    try {
      return await callAttempt(fn, attemptContext(signal, 0));
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!filterHandles(this.handle, error, false)) throw error;
      this.fallbackEmitter.emit({ error });
      return await this.handler(error);
    }
  }
}

const FALLBACK_OPTIONS: readonly (keyof FallbackOptions)[] = ['handle'];

/**
 * `fallback(value)` resolves with `value` on failure; `fallback((error) => ...)` calls the
 * function (sync or async) for the substitute. To fall back to a function value, return
 * it from a handler.
 */
export function fallback<F>(
  handler: (error: unknown) => F | PromiseLike<F>,
  options?: FallbackOptions,
): FallbackPolicy<F>;
export function fallback<F>(value: F, options?: FallbackOptions): FallbackPolicy<F>;
export function fallback<F>(
  valueOrHandler: F | ((error: unknown) => F | PromiseLike<F>),
  options?: FallbackOptions,
): FallbackPolicy<F> {
  const handler =
    typeof valueOrHandler === 'function'
      ? (valueOrHandler as (error: unknown) => F | PromiseLike<F>)
      : () => valueOrHandler;
  return new FallbackPolicy(handler, options);
}
