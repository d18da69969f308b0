import type { CircuitBreaker, StateChange } from '@switchyard/core';

export { ManualClock as FakeClock } from '../../../../test/support/clock.js';

export { type Deferred, deferred } from '../../../../test/support/deferred.js';

export const ok = (): Promise<string> => Promise.resolve('ok');
export const boom = (): Promise<never> => Promise.reject(new Error('boom'));

/** Runs `n` calls that fail with a fresh error each, swallowing the rejections. */
export async function fail(breaker: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await breaker.execute(boom).catch(() => undefined);
}

export async function succeed(breaker: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await breaker.execute(ok);
}

/** A function that settles only when its signal aborts, rejecting with the signal's reason. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Records every state change of `breaker` as `from>to`. */
export function transitions(breaker: CircuitBreaker): { readonly list: string[]; readonly changes: StateChange[] } {
  const changes: StateChange[] = [];
  const list: string[] = [];
  breaker.onStateChange((change) => {
    changes.push(change);
    list.push(`${change.from}>${change.to}`);
  });
  return { list, changes };
}
