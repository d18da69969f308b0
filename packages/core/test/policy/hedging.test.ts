import { getEventListeners } from 'node:events';
import { type AttemptContext, handleWhen, hedge, TimeoutError } from '@switchyard/core';
import { type HedgeEvent, isTimeoutError } from '@switchyard/core/internal';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flush, httpError, track } from './support.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

interface Plan {
  /** When the attempt settles, in ms after it starts. */
  readonly afterMs: number;
  readonly value?: string;
  readonly error?: unknown;
}

/** A fn whose attempt N follows plans[N] and honours its signal like fetch does. */
function planned(...plans: Plan[]) {
  const attempts: AttemptContext[] = [];
  const fn = vi.fn(
    (ctx: AttemptContext) =>
      new Promise<string>((resolve, reject) => {
        attempts.push(ctx);
        const plan = plans[ctx.attempt] ?? { afterMs: 1e9, value: 'never' };
        const timer = setTimeout(
          () => (plan.error === undefined ? resolve(plan.value ?? '') : reject(plan.error)),
          plan.afterMs,
        );
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(ctx.signal.reason);
        });
      }),
  );
  return { fn, attempts };
}

describe('HedgingPolicy', () => {
  it('hedges a slow first attempt; the first success wins and the loser is aborted', async () => {
    const policy = hedge({ delayMs: 100 });
    const events: HedgeEvent[] = [];
    policy.onHedge((e) => events.push(e));
    const { fn, attempts } = planned({ afterMs: 5000, value: 'slow' }, { afterMs: 10, value: 'fast' });
    const result = track(policy.execute(fn));

    await vi.advanceTimersByTimeAsync(99);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(attempts.map((a) => a.attempt)).toEqual([0, 1]);
    expect(events).toEqual([{ attempt: 1, trigger: 'delay' }]);

    await vi.advanceTimersByTimeAsync(10);
    expect(result.value).toBe('fast');
    expect(attempts[0]?.signal.aborted).toBe(true);
    expect(attempts[0]?.signal.reason).toMatchObject({ name: 'AbortError' });
    // The winner is not aborted: its response body may still be streaming.
    expect(attempts[1]?.signal.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not hedge an attempt that settles within the delay', async () => {
    const policy = hedge({ delayMs: 100, maxHedges: 3 });
    const { fn } = planned({ afterMs: 50, value: 'quick' });
    const result = track(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(50);
    expect(result.value).toBe('quick');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts the next hedge at once when an attempt fails transiently, up to maxHedges', async () => {
    const policy = hedge({ delayMs: 100, maxHedges: 2 });
    const events: HedgeEvent[] = [];
    policy.onHedge((e) => events.push(e));
    const { fn } = planned(
      { afterMs: 10, error: httpError(503) },
      { afterMs: 5000, value: 'b' },
      { afterMs: 20, value: 'c' },
    );
    const result = track(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(10);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(events).toEqual([
      { attempt: 1, trigger: 'failure' },
      { attempt: 2, trigger: 'delay' },
    ]);
    await vi.advanceTimersByTimeAsync(20);
    expect(result.value).toBe('c');
  });

  it('rejects with the error of the attempt that failed last when all fail', async () => {
    const policy = hedge({ delayMs: 100, maxHedges: 1 });
    const first = httpError(503);
    const last = httpError(502);
    const { fn } = planned({ afterMs: 300, error: first }, { afterMs: 150, error: last });
    const result = track(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(250);
    expect(result.settled).toBe(false); // attempt 0 is still running
    await vi.advanceTimersByTimeAsync(50);
    expect(result.error).toBe(first);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('ends the call at once on a non-transient error and aborts the others', async () => {
    const policy = hedge({ delayMs: 100 });
    const badRequest = httpError(400);
    const { fn, attempts } = planned({ afterMs: 5000, value: 'a' }, { afterMs: 10, error: badRequest });
    const result = track(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(110);
    expect(result.error).toBe(badRequest);
    expect(attempts[0]?.signal.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('its handle filter decides which failures leave the call open', async () => {
    const policy = hedge({
      delayMs: 100,
      handle: handleWhen((error) => (error as { status?: number }).status === 400),
    });
    const badRequest = httpError(400);
    const { fn } = planned({ afterMs: 10, error: badRequest }, { afterMs: 10, value: 'second' });
    const result = track(policy.execute(fn));
    await vi.advanceTimersByTimeAsync(30);
    // The 400 is handled, so the next hedge starts at once and wins.
    expect(result.value).toBe('second');
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('does not hedge non-idempotent calls', async () => {
    const policy = hedge({ delayMs: 100 });
    const { fn } = planned({ afterMs: 1000, value: 'only' });
    const result = track(policy.execute(fn, undefined, { idempotent: false }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(result.value).toBe('only');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('a caller abort rejects with its reason and aborts every attempt', async () => {
    const policy = hedge({ delayMs: 100, maxHedges: 2 });
    const controller = new AbortController();
    const { fn, attempts } = planned();
    const result = track(policy.execute(fn, controller.signal));
    await vi.advanceTimersByTimeAsync(250);
    expect(fn).toHaveBeenCalledTimes(3);
    // One listener on the caller's signal, however many attempts run.
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    const reason = new Error('stop');
    controller.abort(reason);
    await flush();
    expect(result.error).toBe(reason);
    expect(attempts.every((a) => a.signal.aborted)).toBe(true);
    // The attempts see why: a breaker inside must tell a caller who gave up from a deadline.
    expect(attempts.map((a) => a.signal.reason)).toEqual([reason, reason, reason]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('passes a deadline abort on to every attempt as a TimeoutError', async () => {
    const policy = hedge({ delayMs: 100 });
    const { fn, attempts } = planned();
    const deadline = new AbortController();
    const result = track(policy.execute(fn, deadline.signal));
    await vi.advanceTimersByTimeAsync(150);
    const timedOut = new TimeoutError(150);
    deadline.abort(timedOut);
    await flush();
    expect(result.error).toBe(timedOut);
    expect(attempts.map((a) => isTimeoutError(a.signal.reason))).toEqual([true, true]);
  });
});
