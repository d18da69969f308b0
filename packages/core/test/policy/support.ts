import { SwitchyardError, type SwitchyardErrorCode } from '@switchyard/core';
import { expect, vi } from 'vitest';

export { ManualClock } from '../../../../test/support/clock.js';

/** Runs pending microtasks (and zero-delay timers) under fake timers without moving time. */
export async function flush(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

export { type Deferred, deferred } from '../../../../test/support/deferred.js';

/** What the client's HttpStatusError looks like to a policy: a numeric status and maybe a Retry-After. */
export function httpError(status: number, retryAfterMs?: number): Error & { status: number; retryAfterMs?: number } {
  const error = Object.assign(new Error(`HTTP ${status}`), { status });
  return retryAfterMs === undefined ? error : Object.assign(error, { retryAfterMs });
}

/** What undici's fetch rejects with on a network failure. */
export function fetchFailed(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code }) });
}

/** A Switchyard error with the given code, as another module (the breakers) would throw. */
export function switchyardError(code: SwitchyardErrorCode, extra: Record<string, unknown> = {}): SwitchyardError {
  return Object.assign(new SwitchyardError(code, code), extra);
}

/** Settles the promise's state without awaiting it, for assertions while it is pending. */
export function track<T>(promise: Promise<T>): {
  readonly settled: boolean;
  readonly value: T | undefined;
  readonly error: unknown;
} {
  const state = { settled: false, value: undefined as T | undefined, error: undefined as unknown };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

/**
 * A timeout policy shares one timer among its deadlines and lets it run out rather
 * than clearing it. Asserts that once the longest deadline has passed no timer is left,
 * so nothing leaks.
 */
export async function expectTimersDrained(longestDeadlineMs = 60_000): Promise<void> {
  await vi.advanceTimersByTimeAsync(longestDeadlineMs);
  expect(vi.getTimerCount()).toBe(0);
}
