import { type AttemptContext, bulkhead, hedge, retry, timeout, wrap } from '@switchyard/core';
import { isTimeoutError } from '@switchyard/core/internal';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectTimersDrained, flush, httpError, track } from './support.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('wrap', () => {
  it('bulkhead -> retry -> timeout: each attempt is timed out, retried, and holds one bulkhead slot', async () => {
    const gate = bulkhead({ maxConcurrent: 1 });
    const policy = wrap(gate, retry({ jitter: 'none', initialDelayMs: 100 }), timeout(1000));
    const attempts: AttemptContext[] = [];
    const fn = (ctx: AttemptContext) => {
      attempts.push(ctx);
      // The first two attempts hang (and ignore their signal); the third answers.
      return ctx.attempt < 2 ? new Promise<string>(() => {}) : Promise.resolve('third time lucky');
    };
    const result = track(policy.execute(fn));
    await flush();
    expect(gate.inFlight).toBe(1);
    await expect(gate.execute(async () => 'other')).rejects.toMatchObject({ code: 'SWITCHYARD_BULKHEAD_REJECTED' });

    await vi.advanceTimersByTimeAsync(1000); // attempt 0 times out
    expect(attempts).toHaveLength(1);
    expect(isTimeoutError(attempts[0]?.signal.reason)).toBe(true);
    await vi.advanceTimersByTimeAsync(100); // backoff, attempt 1 starts
    expect(attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000 + 200); // attempt 1 times out, backoff 200, attempt 2
    expect(result.value).toBe('third time lucky');
    expect(attempts.map((a) => a.attempt)).toEqual([0, 1, 2]);
    expect(gate.inFlight).toBe(0);
    await expectTimersDrained();
  });

  it('numbers physical attempts across layers: retry around hedge', async () => {
    const policy = wrap(retry({ jitter: 'none', initialDelayMs: 10 }), hedge({ delayMs: 100 }));
    const seen: number[] = [];
    const fn = (ctx: AttemptContext) => {
      seen.push(ctx.attempt);
      // Rounds of two hedged attempts: 0,1 fail, retry; 2,3 fail, retry; 4 succeeds.
      return ctx.attempt < 4 ? Promise.reject(httpError(503)) : Promise.resolve(ctx.attempt);
    };
    const result = track(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(result.value).toBe(4);
  });

  it('passes the call options to every layer', async () => {
    const policy = wrap(retry({ jitter: 'none' }), hedge({ delayMs: 10 }));
    const fn = vi.fn(() => Promise.reject(httpError(503)));
    const result = track(policy.execute(fn, undefined, { idempotent: false }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(result.error).toMatchObject({ status: 503 });
  });

  it('propagates the caller signal through every layer', async () => {
    const policy = wrap(bulkhead({ maxConcurrent: 1 }), retry(), timeout(1000));
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const result = track(
      policy.execute((ctx) => {
        seen = ctx.signal;
        return new Promise<never>(() => {});
      }, controller.signal),
    );
    await flush();
    const reason = new Error('stop');
    controller.abort(reason);
    await flush();
    expect(seen?.reason).toBe(reason);
    expect(result.error).toBe(reason);
    await expectTimersDrained();
  });

  it('builds no signal nothing needs: only a timeout makes one, and only when read', async () => {
    let made = 0;
    vi.stubGlobal(
      'AbortController',
      class extends AbortController {
        constructor() {
          super();
          made++;
        }
      },
    );
    try {
      const policy = wrap(bulkhead({ maxConcurrent: 1 }), retry(), timeout(1000));
      await policy.execute(async () => 'ignores its signal');
      expect(made).toBe(0);
      let seen: AbortSignal | undefined;
      await policy.execute(async (ctx) => {
        seen = ctx.signal;
      });
      expect(made).toBe(1); // the timeout's, which fn reads
      expect(seen?.aborted).toBe(false);
      await wrap(bulkhead({ maxConcurrent: 1 }), retry()).execute(async (ctx) => ctx.signal);
      expect(made).toBe(2); // a signal that never aborts, made because fn reads it
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('with no policies just calls fn', async () => {
    await expect(wrap().execute(async (ctx) => ctx.attempt)).resolves.toBe(0);
  });
});
