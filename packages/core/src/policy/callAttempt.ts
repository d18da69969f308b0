import type { AttemptContext } from './Policy.js';

/** Calls `fn`, turning a synchronous throw into a rejection so every policy sees one shape. */
export function callAttempt<T>(fn: (ctx: AttemptContext) => Promise<T>, ctx: AttemptContext): Promise<T> {
  try {
    return Promise.resolve(fn(ctx));
  } catch (error) {
    return Promise.reject(error);
  }
}
