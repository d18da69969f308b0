import { getEventListeners } from 'node:events';
import { TimeoutError, timeout } from '@switchyard/core';
import { isTimeoutError } from '@switchyard/core/internal';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectTimersDrained, flush, ManualClock, track } from './support.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const never = <T>(): Promise<T> => new Promise<T>(() => {});

describe('TimeoutPolicy', () => {
  it('rejects with TimeoutError at the deadline even if fn ignores its signal, and aborts that signal', async () => {
    const policy = timeout(1000);
    const events: number[] = [];
    policy.onTimeout((event) => events.push(event.timeoutMs));
    let seen: AbortSignal | undefined;
    const result = track(
      policy.execute((ctx) => {
        seen = ctx.signal;
        return never<string>();
      }),
    );

    await vi.advanceTimersByTimeAsync(999);
    expect(result.settled).toBe(false);
    expect(seen?.aborted).toBe(false);

    await vi.advanceTimersByTimeAsync(1);
    expect(result.settled).toBe(true);
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect(isTimeoutError(result.error)).toBe(true);
    expect((result.error as TimeoutError).timeoutMs).toBe(1000);
    expect((result.error as TimeoutError).code).toBe('SWITCHYARD_TIMEOUT');
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(result.error);
    expect(events).toEqual([1000]);
    await expectTimersDrained();
  });

  it('resolves with the result, clears its timer and unlinks from the caller signal', async () => {
    const policy = timeout(1000);
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    const promise = policy.execute(async (ctx) => {
      seen = ctx.signal;
      expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
      return 'ok';
    }, parent.signal);
    await expect(promise).resolves.toBe('ok');
    await expectTimersDrained();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    expect(seen?.aborted).toBe(false);
    // The deadline passing later changes nothing.
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen?.aborted).toBe(false);
  });

  it('leaves nothing behind on a long-lived caller signal after many calls', async () => {
    const policy = timeout(1000);
    const parent = new AbortController();
    for (let i = 0; i < 200; i++) {
      if (i % 2 === 0) await policy.execute(async () => i, parent.signal);
      else await expect(policy.execute(() => Promise.reject(new Error('no')), parent.signal)).rejects.toThrow('no');
    }
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    await expectTimersDrained();
  });

  it('propagates the caller abort to the attempt and rejects with its reason at once', async () => {
    const policy = timeout(1000);
    const events: unknown[] = [];
    policy.onTimeout((event) => events.push(event));
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    const result = track(
      policy.execute((ctx) => {
        seen = ctx.signal;
        return never<string>();
      }, parent.signal),
    );
    await vi.advanceTimersByTimeAsync(100);
    const reason = new Error('caller gave up');
    parent.abort(reason);
    await flush();
    expect(result.error).toBe(reason);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(reason);
    await expectTimersDrained();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2000);
    expect(events).toEqual([]);
  });

  it('does not call fn when the caller signal is already aborted', async () => {
    const policy = timeout(1000);
    const parent = new AbortController();
    const reason = new Error('already');
    parent.abort(reason);
    const fn = vi.fn(async () => 'x');
    await expect(policy.execute(fn, parent.signal)).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
    await expectTimersDrained();
  });

  it('turns a synchronous throw into a rejection and cleans up', async () => {
    const policy = timeout(1000);
    const parent = new AbortController();
    const boom = new Error('sync');
    await expect(
      policy.execute(() => {
        throw boom;
      }, parent.signal),
    ).rejects.toBe(boom);
    await expectTimersDrained();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('shares one timer among overlapping deadlines, each expiring at its own time', async () => {
    const policy = timeout(1000);
    const first = track(policy.execute(() => never<string>()));
    await vi.advanceTimersByTimeAsync(300);
    const second = track(policy.execute(() => never<string>()));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(700);
    expect(isTimeoutError(first.error)).toBe(true);
    expect(second.settled).toBe(false);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(isTimeoutError(second.error)).toBe(true);
    await expectTimersDrained();
  });

  it('waits on when its timer fires before the deadline by its clock', async () => {
    const clock = new ManualClock(0);
    const policy = timeout(1000, { clock });
    const result = track(policy.execute(() => never<string>()));
    clock.set(999);
    await vi.advanceTimersByTimeAsync(1000);
    expect(result.settled).toBe(false);
    clock.set(1000);
    await vi.advanceTimersByTimeAsync(1);
    expect(isTimeoutError(result.error)).toBe(true);
  });

  it("keeps its timer ref'd only while a deadline is pending, so an idle policy never holds the process open", async () => {
    vi.useRealTimers();
    const refTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = refTimers();
    let during = 0;
    await timeout(60_000).execute(async () => {
      during = refTimers();
    });
    expect(during).toBe(before + 1);
    expect(refTimers()).toBe(before);
  });

  it('ignores a late settlement of fn after the deadline', async () => {
    const policy = timeout(10);
    let finish: ((value: string) => void) | undefined;
    const result = track(policy.execute(() => new Promise<string>((resolve) => (finish = resolve))));
    await vi.advanceTimersByTimeAsync(10);
    finish?.('late');
    await flush();
    expect(isTimeoutError(result.error)).toBe(true);
    expect(result.value).toBeUndefined();
  });
});
