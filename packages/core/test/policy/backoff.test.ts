import { type Jitter, retry } from '@switchyard/core';
import { type BackoffOptions, backoffDelay, type RetryEvent, seededRandom } from '@switchyard/core/internal';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const base = { initialDelayMs: 100, maxDelayMs: 5000, multiplier: 2 };
const cap = (n: number) => Math.min(base.maxDelayMs, base.initialDelayMs * base.multiplier ** (n - 1));

/** 200 sequences of 8 retries each: delays[sequence][retry - 1]. */
function sample(jitter: Jitter, seed: number): number[][] {
  const random = seededRandom(seed);
  const options: BackoffOptions = { ...base, jitter };
  const sequences: number[][] = [];
  for (let s = 0; s < 200; s++) {
    const delays: number[] = [];
    let previous = base.initialDelayMs;
    for (let n = 1; n <= 8; n++) {
      previous = backoffDelay(options, n, previous, random);
      delays.push(previous);
    }
    sequences.push(delays);
  }
  return sequences;
}

describe('backoffDelay', () => {
  it('none: exactly initial * multiplier^(n-1), capped', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) =>
      backoffDelay({ ...base, jitter: 'none' }, n, 0, () => {
        throw new Error('none must not draw randomness');
      }),
    );
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('none: a zero initial delay stays zero even when the exponent overflows', () => {
    expect(backoffDelay({ ...base, initialDelayMs: 0, jitter: 'none' }, 5000, 0, Math.random)).toBe(0);
    expect(backoffDelay({ ...base, jitter: 'none' }, 5000, 0, Math.random)).toBe(5000);
  });

  it('full: every delay in [0, cap(n)), spread over the whole range', () => {
    const sequences = sample('full', 1);
    for (const delays of sequences) {
      delays.forEach((d, i) => {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(cap(i + 1));
      });
    }
    const third = sequences.map((d) => d[2] as number);
    expect(Math.min(...third)).toBeLessThan(0.1 * cap(3));
    expect(Math.max(...third)).toBeGreaterThan(0.9 * cap(3));
  });

  it('equal: every delay in [cap(n)/2, cap(n))', () => {
    const sequences = sample('equal', 2);
    for (const delays of sequences) {
      delays.forEach((d, i) => {
        expect(d).toBeGreaterThanOrEqual(cap(i + 1) / 2);
        expect(d).toBeLessThan(cap(i + 1));
      });
    }
    const third = sequences.map((d) => d[2] as number);
    expect(Math.min(...third)).toBeLessThan(0.6 * cap(3));
    expect(Math.max(...third)).toBeGreaterThan(0.9 * cap(3));
  });

  it('decorrelated: every delay in [initial, min(max, previous * multiplier)]', () => {
    const sequences = sample('decorrelated', 3);
    for (const delays of sequences) {
      let previous = base.initialDelayMs;
      for (const d of delays) {
        expect(d).toBeGreaterThanOrEqual(base.initialDelayMs);
        expect(d).toBeLessThanOrEqual(Math.min(base.maxDelayMs, Math.max(base.initialDelayMs, previous * 2)));
        previous = d;
      }
    }
    // It does grow: late retries wait longer on average than the first.
    const mean = (i: number) => sequences.reduce((sum, d) => sum + (d[i] as number), 0) / sequences.length;
    expect(mean(7)).toBeGreaterThan(2 * mean(0));
  });
});

describe('RetryPolicy jitter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function delaysOf(jitter: Jitter, seed: number): Promise<number[]> {
    const policy = retry({ ...base, jitter, maxAttempts: 6, random: seededRandom(seed) });
    const delays: number[] = [];
    policy.onRetry((e: RetryEvent) => delays.push(e.delayMs));
    const promise = policy.execute(() => Promise.reject(Object.assign(new Error('x'), { status: 503 })));
    promise.catch(() => {});
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(promise).rejects.toMatchObject({ status: 503 });
    return delays;
  }

  it.each(['full', 'equal', 'decorrelated'] as const)('%s draws from the injected random source', async (jitter) => {
    const random = seededRandom(7);
    let previous = base.initialDelayMs;
    const expected = [1, 2, 3, 4, 5].map((n) => {
      previous = backoffDelay({ ...base, jitter }, n, previous, random);
      return previous;
    });
    expect(await delaysOf(jitter, 7)).toEqual(expected);
    expect(await delaysOf(jitter, 8)).not.toEqual(expected);
  });
});
