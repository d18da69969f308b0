import { callAttempt } from './callAttempt.js';
import type { FallbackPolicy } from './FallbackPolicy.js';
import { abortSource, attemptContext, LazyAttemptContext } from './LazyAbort.js';
import type { AttemptContext, CallOptions, Policy } from './Policy.js';

/** What a policy may resolve with besides `fn`'s result (a fallback's substitute). */
export type PolicyAlt<P> =
  P extends FallbackPolicy<infer F> ? F : P extends Policy<never> ? never : P extends Policy<infer A> ? A : unknown;

/**
 * Composes policies into one, outermost first: `wrap(bulkhead, retry, timeout)` queues
 * once, retries inside the bulkhead, and times out each attempt. Each layer's signal
 * flows to the next, and the call options reach every layer.
 *
 * `ctx.attempt` in the composed policy counts physical attempts in the order they
 * start, whichever layer started them (retry or hedge), so it is unique per call.
 */
export function wrap<const P extends readonly Policy<unknown>[]>(...policies: P): Policy<PolicyAlt<P[number]>> {
  return {
    execute<T>(
      fn: (ctx: AttemptContext) => Promise<T>,
      signal?: AbortSignal,
      options?: CallOptions,
    ): Promise<T | PolicyAlt<P[number]>> {
      let started = 0;
      // Contexts are passed down rather than their signals: a lazily made signal is built
      // only if a layer below must listen to it, or `fn` reads it.
      const run = (index: number, outer: AttemptContext): Promise<T> => {
        const policy = policies[index];
        if (policy === undefined) return callAttempt(fn, new LazyAttemptContext(outer, started++));
        // A fallback layer resolves with its substitute: the types say so at the top.
        return policy.execute((ctx) => run(index + 1, ctx), abortSource(outer), options) as Promise<T>;
      };
      return run(0, attemptContext(signal, 0));
    },
  };
}
