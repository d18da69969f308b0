import { getEventListeners } from 'node:events';
import { anySignal, sleep } from '@switchyard/core/internal';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flush, track } from './support.js';

describe('sleep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the delay and leaves nothing behind', async () => {
    const controller = new AbortController();
    const done = track(sleep(500, controller.signal));
    await vi.advanceTimersByTimeAsync(499);
    expect(done.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done.settled).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the abort reason at once and clears its timer', async () => {
    const controller = new AbortController();
    const done = track(sleep(500, controller.signal));
    const reason = new Error('stop');
    controller.abort(reason);
    await flush();
    expect(done.error).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once for an aborted signal, resolves at once for no delay', async () => {
    const controller = new AbortController();
    controller.abort('why');
    await expect(sleep(10, controller.signal)).rejects.toBe('why');
    await expect(sleep(0)).resolves.toBeUndefined();
    await expect(sleep(-5)).resolves.toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('anySignal', () => {
  it('aborts when any source aborts, with its reason, and unlinks from the others', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = anySignal(a.signal, undefined, b.signal);
    expect(linked.signal.aborted).toBe(false);
    b.abort('b gave up');
    expect(linked.signal.reason).toBe('b gave up');
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(0);
  });

  it('is aborted from the start when a source already is', () => {
    const a = new AbortController();
    a.abort('early');
    const later = new AbortController();
    const linked = anySignal(a.signal, later.signal);
    expect(linked.signal.reason).toBe('early');
    expect(getEventListeners(later.signal, 'abort')).toHaveLength(0);
  });

  it('dispose removes its listeners; abort() aborts only the linked signal', () => {
    const parent = new AbortController();
    const first = anySignal(parent.signal);
    const second = anySignal(parent.signal);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(2);
    first.dispose();
    second.abort('mine');
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    expect(second.signal.reason).toBe('mine');
    expect(parent.signal.aborted).toBe(false);
    parent.abort();
    expect(first.signal.aborted).toBe(false);
  });
});
