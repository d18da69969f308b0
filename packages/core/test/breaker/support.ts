import type { CircuitBreaker, Clock, StateChange } from '@switchyard/core';

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  constructor(private time = 0) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T = string>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

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
