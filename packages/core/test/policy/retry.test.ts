import { type AttemptContext, handleAll, handleType, handleWhen, retry, TimeoutError } from '@switchyard/core';
import type { GiveUpEvent, RetryEvent } from '@switchyard/core/internal';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fetchFailed, flush, httpError, switchyardError, track } from './support.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A fn that fails with `errors` in turn, then resolves with 'ok'; records each attempt's context. */
function script(...errors: unknown[]) {
  const contexts: AttemptContext[] = [];
  const fn = vi.fn(async (ctx: AttemptContext) => {
    contexts.push(ctx);
    if (contexts.length <= errors.length) throw errors[contexts.length - 1];
    return 'ok';
  });
  return { fn, contexts };
}

function recordEvents(policy: ReturnType<typeof retry>) {
  const retries: RetryEvent[] = [];
  const giveUps: GiveUpEvent[] = [];
  const exhausted: unknown[] = [];
  policy.onRetry((e) => retries.push(e));
  policy.onGiveUp((e) => giveUps.push(e));
  policy.onBudgetExhausted((e) => exhausted.push(e));
  return { retries, giveUps, exhausted };
}

const fixed = { jitter: 'none', initialDelayMs: 100, multiplier: 2 } as const;

describe('RetryPolicy', () => {
  it('retries transient failures after the backoff and passes the attempt number', async () => {
    const policy = retry(fixed);
    const events = recordEvents(policy);
    const { fn, contexts } = script(httpError(503), fetchFailed('ECONNRESET'));
    const result = track(policy.execute(fn));

    await flush();
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(result.value).toBe('ok');
    expect(contexts.map((c) => c.attempt)).toEqual([0, 1, 2]);
    expect(events.retries.map((e) => [e.attempt, e.delayMs])).toEqual([
      [1, 100],
      [2, 200],
    ]);
    expect(events.giveUps).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses exact capped exponential delays with jitter none', async () => {
    const policy = retry({ jitter: 'none', initialDelayMs: 100, multiplier: 3, maxDelayMs: 1000, maxAttempts: 6 });
    const events = recordEvents(policy);
    const error = httpError(502);
    const result = track(policy.execute(() => Promise.reject(error)));
    await vi.advanceTimersByTimeAsync(100 + 300 + 900 + 1000 + 1000);
    expect(events.retries.map((e) => e.delayMs)).toEqual([100, 300, 900, 1000, 1000]);
    expect(result.error).toBe(error);
    expect(events.giveUps).toEqual([{ attempts: 6, error, reason: 'attempts-exhausted' }]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const policy = retry({ ...fixed, maxAttempts: 3 });
    const events = recordEvents(policy);
    const errors = [httpError(503), httpError(504), httpError(502)];
    const { fn } = script(...errors, undefined);
    const result = track(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(result.error).toBe(errors[2]);
    expect(events.giveUps).toEqual([{ attempts: 3, error: errors[2], reason: 'attempts-exhausted' }]);
  });

  it('does not retry errors that are not transient, and does not report them as give-ups', async () => {
    const policy = retry(fixed);
    const events = recordEvents(policy);
    const error = httpError(400);
    const { fn } = script(error);
    await expect(policy.execute(fn)).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(events.giveUps).toEqual([]);
    expect(events.retries).toEqual([]);
  });

  it("consults its handle filter with each failed attempt's error, and stops at the first it declines", async () => {
    const seen: unknown[] = [];
    const a = new Error('a');
    const b = new Error('b');
    const policy = retry({
      ...fixed,
      maxAttempts: 5,
      handle: handleWhen((error) => {
        seen.push(error);
        return error === a;
      }),
    });
    const { fn } = script(a, b);
    const result = track(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen).toEqual([a, b]);
    expect(result.error).toBe(b);
  });

  it('handleType retries only instances of the class (by brand: TimeoutError from any copy)', async () => {
    const policy = retry({ ...fixed, handle: handleType(TimeoutError, (error) => error.timeoutMs < 100) });
    const { fn } = script(new TimeoutError(50), new TimeoutError(500));
    const result = track(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(1000);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(result.error).toMatchObject({ timeoutMs: 500 });
  });

  it('a handle predicate that throws counts as "no": the attempt\'s error is rethrown, not the predicate\'s', async () => {
    const original = httpError(503);
    const policy = retry({
      ...fixed,
      handle: handleWhen(() => {
        throw new Error('buggy predicate');
      }),
    });
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const { fn } = script(original);
      await expect(policy.execute(fn)).rejects.toBe(original);
      await expect(policy.execute(script(original).fn)).rejects.toBe(original);
      expect(fn).toHaveBeenCalledTimes(1);
      await flush();
      // Reported once per filter, not once per failure.
      expect(warnings).toHaveBeenCalledTimes(1);
      expect(warnings).toHaveBeenCalledWith(expect.stringContaining('buggy predicate'));
    } finally {
      warnings.mockRestore();
    }
  });

  it('treats a synchronous throw like a rejection', async () => {
    const policy = retry(fixed);
    let calls = 0;
    const result = track(
      policy.execute(() => {
        calls++;
        if (calls === 1) throw httpError(503);
        return Promise.resolve(calls);
      }),
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(result.value).toBe(2);
  });

  it('passes a non-Error rejection through untouched', async () => {
    const notRetried = retry(fixed);
    const fn = vi.fn(() => Promise.reject('boom'));
    await expect(notRetried.execute(fn)).rejects.toBe('boom');
    expect(fn).toHaveBeenCalledTimes(1);

    const retriedAnyway = retry({ ...fixed, handle: handleAll });
    const fn2 = vi.fn(() => Promise.reject(42));
    const result = track(retriedAnyway.execute(fn2));
    await vi.advanceTimersByTimeAsync(1000);
    expect(fn2).toHaveBeenCalledTimes(3);
    expect(result.error).toBe(42);
  });

  it('never calls fn when the signal is already aborted', async () => {
    const policy = retry(fixed);
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    const fn = vi.fn(async () => 'x');
    await expect(policy.execute(fn, controller.signal)).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it('an abort during the backoff sleep stops everything at once', async () => {
    const policy = retry({ ...fixed, initialDelayMs: 10_000, maxAttempts: 5 });
    const events = recordEvents(policy);
    const controller = new AbortController();
    const fn = vi.fn(() => Promise.reject(httpError(503)));
    const result = track(policy.execute(fn, controller.signal));
    await vi.advanceTimersByTimeAsync(1000);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(1);

    const reason = new Error('user navigated away');
    controller.abort(reason);
    await flush(); // microtasks only: no virtual time passes
    expect(result.error).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(100_000);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(events.giveUps).toEqual([]);
  });

  it('an abort during an attempt is not retried, whatever the attempt rejects with', async () => {
    const policy = retry(fixed);
    const events = recordEvents(policy);
    const controller = new AbortController();
    const fn = vi.fn(
      (ctx: AttemptContext) =>
        new Promise<never>((_, reject) => {
          // A transport that ignores the abort reason and fails its own way.
          ctx.signal.addEventListener('abort', () => reject(httpError(503)));
        }),
    );
    const result = track(policy.execute(fn, controller.signal));
    await flush();
    const reason = new Error('stop');
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(result.error).toBe(reason);
    expect(events.retries).toEqual([]);
    expect(events.giveUps).toEqual([]);
  });

  describe('idempotency', () => {
    it('does not retry a non-idempotent call', async () => {
      const policy = retry(fixed);
      const events = recordEvents(policy);
      const error = httpError(503);
      const { fn } = script(error);
      await expect(policy.execute(fn, undefined, { idempotent: false })).rejects.toBe(error);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(events.giveUps).toEqual([{ attempts: 1, error, reason: 'not-idempotent' }]);
    });

    it('retries a non-idempotent call when the request provably was never sent', async () => {
      const policy = retry(fixed);
      for (const error of [fetchFailed('ECONNREFUSED'), switchyardError('SWITCHYARD_BROKEN_CIRCUIT')]) {
        const { fn } = script(error);
        const result = track(policy.execute(fn, undefined, { idempotent: false }));
        await vi.advanceTimersByTimeAsync(100);
        expect(result.value).toBe('ok');
        expect(fn).toHaveBeenCalledTimes(2);
      }
    });

    it('retries non-idempotent calls when opted in', async () => {
      const policy = retry({ ...fixed, retryNonIdempotent: true });
      const { fn } = script(httpError(503));
      const result = track(policy.execute(fn, undefined, { idempotent: false }));
      await vi.advanceTimersByTimeAsync(100);
      expect(result.value).toBe('ok');
    });

    it('lets the call override the policy default', async () => {
      const policy = retry({ ...fixed, idempotent: false });
      const { fn } = script(httpError(503));
      await expect(policy.execute(fn)).rejects.toMatchObject({ status: 503 });

      const second = script(httpError(503));
      const result = track(policy.execute(second.fn, undefined, { idempotent: true }));
      await vi.advanceTimersByTimeAsync(100);
      expect(result.value).toBe('ok');
    });
  });

  describe('Retry-After', () => {
    it('waits for the server when it asks for longer than the backoff', async () => {
      const policy = retry(fixed);
      const events = recordEvents(policy);
      const { fn } = script(httpError(503, 5000));
      const result = track(policy.execute(fn));
      await vi.advanceTimersByTimeAsync(4999);
      expect(fn).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(fn).toHaveBeenCalledTimes(2);
      expect(result.value).toBe('ok');
      expect(events.retries.map((e) => e.delayMs)).toEqual([5000]);
    });

    it('keeps the backoff when it is longer than Retry-After', async () => {
      const policy = retry(fixed);
      const events = recordEvents(policy);
      const { fn } = script(httpError(429, 30));
      const result = track(policy.execute(fn));
      await vi.advanceTimersByTimeAsync(100);
      expect(result.value).toBe('ok');
      expect(events.retries.map((e) => e.delayMs)).toEqual([100]);
    });

    it('gives up at once when Retry-After exceeds maxRetryAfterMs', async () => {
      const policy = retry({ ...fixed, maxRetryAfterMs: 30_000 });
      const events = recordEvents(policy);
      const error = httpError(503, 60_000);
      const { fn } = script(error);
      await expect(policy.execute(fn)).rejects.toBe(error);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(vi.getTimerCount()).toBe(0);
      expect(events.giveUps).toEqual([{ attempts: 1, error, reason: 'retry-after-too-long' }]);
    });

    it("ignores an open breaker's retryAfterMs: the retry goes to another instance", async () => {
      const policy = retry(fixed);
      const events = recordEvents(policy);
      const { fn } = script(switchyardError('SWITCHYARD_BROKEN_CIRCUIT', { retryAfterMs: 60_000 }));
      const result = track(policy.execute(fn));
      await vi.advanceTimersByTimeAsync(100);
      expect(result.value).toBe('ok');
      expect(events.retries.map((e) => e.delayMs)).toEqual([100]);
    });
  });

  it('retries our TimeoutError by default', async () => {
    const policy = retry(fixed);
    const { fn } = script(new TimeoutError(50));
    const result = track(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(100);
    expect(result.value).toBe('ok');
  });
});
