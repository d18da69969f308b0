import { type AttemptContext, RetryBudget, retry, retryBudget } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { httpError, ManualClock } from './support.js';

/** Runs `calls` failing calls through a retry policy, `spacingMs` apart; returns what happened when. */
async function hammer(options: {
  budget: RetryBudget | undefined;
  clock: ManualClock;
  calls: number;
  spacingMs: number;
  maxAttempts: number;
}) {
  const { budget, clock, calls, spacingMs, maxAttempts } = options;
  // Zero backoff: sleeping takes no timer, so virtual time is only the injected clock.
  const policy = retry({ maxAttempts, initialDelayMs: 0, ...(budget ? { budget } : {}) });
  const retryTimes: number[] = [];
  const callTimes: number[] = [];
  let exhausted = 0;
  policy.onBudgetExhausted(() => exhausted++);
  const backendDown = (ctx: AttemptContext) => {
    if (ctx.attempt > 0) retryTimes.push(clock.now());
    return Promise.reject(httpError(503));
  };
  for (let i = 0; i < calls; i++) {
    callTimes.push(clock.now());
    await expect(policy.execute(backendDown)).rejects.toMatchObject({ status: 503 });
    clock.advance(spacingMs);
  }
  return { retryTimes, callTimes, exhausted };
}

describe('RetryBudget', () => {
  it('caps retries at ratio x calls + floor while a backend is down', async () => {
    // 1,000 calls spread over 10 s (one window), each allowed 2 retries: 2,000 retries unbudgeted.
    // Budget: 0.2 x 1,000 calls + 10/s x 10 s floor = 200 + 100 = exactly 300 retries.
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 0.2, minRetriesPerSecond: 10, ttlMs: 10_000, clock });
    const run = await hammer({ budget, clock, calls: 1000, spacingMs: 10, maxAttempts: 3 });
    expect(run.retryTimes).toHaveLength(300);
    expect(run.exhausted).toBeGreaterThan(0);
    // A window later everything has expired and the floor is back.
    clock.advance(10_000);
    expect(budget.available).toBe(100);

    const unbudgeted = await hammer({ budget: undefined, clock, calls: 1000, spacingMs: 10, maxAttempts: 3 });
    expect(unbudgeted.retryTimes).toHaveLength(2000);
  });

  it('keeps retries within the window bound under sustained failure', async () => {
    // 10 calls/s for 100 s. Every retry is allowed only if, in the live window, retries so far
    // < floor + ratio x calls; the live window always spans at least (buckets-1)/buckets x ttl.
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 0.2, minRetriesPerSecond: 1, ttlMs: 10_000, buckets: 10, clock });
    const run = await hammer({ budget, clock, calls: 1000, spacingMs: 100, maxAttempts: 3 });
    for (const t of run.retryTimes) {
      const retries = run.retryTimes.filter((r) => r > t - 9000 && r <= t).length;
      const calls = run.callTimes.filter((c) => c > t - 10_000 && c <= t).length;
      expect(retries).toBeLessThanOrEqual(10 + 0.2 * calls);
    }
    // The budget lets a steady share through, and cuts the rest (2,000 retries unbudgeted).
    expect(run.retryTimes.length).toBeGreaterThanOrEqual(200);
    expect(run.retryTimes.length).toBeLessThanOrEqual(330);
  });

  it('lets the floor through for a quiet client and refills it when the window passes', () => {
    const clock = new ManualClock(5_000);
    const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSecond: 1, ttlMs: 3000, buckets: 3, clock });
    expect(budget.available).toBe(3);
    expect([budget.tryWithdraw(), budget.tryWithdraw(), budget.tryWithdraw(), budget.tryWithdraw()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    clock.advance(2999);
    // Still inside the window (bucket granularity 1 s: the withdrawals sit in the bucket from 5 s).
    expect(budget.tryWithdraw()).toBe(false);
    clock.advance(1);
    expect(budget.available).toBe(3);
  });

  it('forgets deposits after the ttl', () => {
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 0.5, minRetriesPerSecond: 0, ttlMs: 1000, buckets: 10, clock });
    for (let i = 0; i < 4; i++) budget.deposit();
    expect(budget.available).toBe(2);
    clock.advance(500);
    budget.deposit();
    budget.deposit();
    expect(budget.available).toBe(3);
    clock.advance(500); // the first bucket (t=0) leaves the window
    expect(budget.available).toBe(1);
    clock.advance(100_000); // a long idle gap clears everything in one roll
    expect(budget.available).toBe(0);
    expect(budget.tryWithdraw()).toBe(false);
  });

  it('survives a clock that steps backwards', () => {
    let time = 10_000;
    const budget = retryBudget({ ratio: 1, minRetriesPerSecond: 0, ttlMs: 1000, clock: { now: () => time } });
    budget.deposit();
    time = 0;
    budget.deposit();
    expect(budget.available).toBe(2);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.available).toBe(1);
  });

  it('is charged once per call and not when the call is aborted before starting', async () => {
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 1, minRetriesPerSecond: 0, clock });
    const policy = retry({ budget });
    await policy.execute(async () => 'ok');
    expect(budget.available).toBe(1);
    const controller = new AbortController();
    controller.abort();
    await expect(policy.execute(async () => 'ok', controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(budget.available).toBe(1);
  });

  it('reports the exhaustion and rethrows the last error', async () => {
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0, clock });
    const policy = retry({ budget, initialDelayMs: 0 });
    const seen: unknown[] = [];
    policy.onBudgetExhausted((e) => seen.push(e));
    const reasons: string[] = [];
    policy.onGiveUp((e) => reasons.push(e.reason));
    const error = httpError(503);
    let calls = 0;
    await expect(
      policy.execute(() => {
        calls++;
        return Promise.reject(error);
      }),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(seen).toEqual([{ attempts: 1, error }]);
    expect(reasons).toEqual(['budget-exhausted']);
  });
});
