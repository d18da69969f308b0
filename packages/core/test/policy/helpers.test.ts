import { getEventListeners } from 'node:events';
import {
  anySignal,
  isAbortError,
  isTransientError,
  isUnsentError,
  networkErrorCode,
  SwitchyardError,
  sleep,
  TimeoutError,
} from '@switchyard/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fetchFailed, flush, httpError, switchyardError, track } from './support.js';

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

describe('error classification', () => {
  it('isAbortError', () => {
    const controller = new AbortController();
    controller.abort();
    expect(isAbortError(controller.signal.reason)).toBe(true);
    expect(isAbortError(Object.assign(new Error('x'), { code: 'ABORT_ERR' }))).toBe(true);
    expect(isAbortError(switchyardError('SWITCHYARD_ABORTED'))).toBe(true);
    expect(isAbortError(new TimeoutError(5))).toBe(false);
    expect(isAbortError(AbortSignal.timeout(1).reason)).toBe(false);
    expect(isAbortError('AbortError')).toBe(false);
  });

  it.each([
    ['503', httpError(503), true],
    ['429', httpError(429), true],
    ['502', httpError(502), true],
    ['504', httpError(504), true],
    ['500', httpError(500), false],
    ['400', httpError(400), false],
    ['ECONNREFUSED', fetchFailed('ECONNREFUSED'), true],
    ['ECONNRESET', fetchFailed('ECONNRESET'), true],
    ['UND_ERR_SOCKET', fetchFailed('UND_ERR_SOCKET'), true],
    ['bare fetch failed', new TypeError('fetch failed'), true],
    ['ENOENT', fetchFailed('ENOENT'), false],
    ['TimeoutError', new TimeoutError(10), true],
    ['broken circuit', switchyardError('SWITCHYARD_BROKEN_CIRCUIT'), true],
    ['isolated circuit', switchyardError('SWITCHYARD_ISOLATED_CIRCUIT'), true],
    ['bulkhead rejected', switchyardError('SWITCHYARD_BULKHEAD_REJECTED'), false],
    ['no instances', new SwitchyardError('SWITCHYARD_NO_INSTANCES', 'none'), false],
    ['abort', new DOMException('aborted', 'AbortError'), false],
    ['plain Error', new Error('bug'), false],
    ['TypeError', new TypeError('x is not a function'), false],
    ['string', 'fetch failed', false],
    ['undefined', undefined, false],
  ])('isTransientError(%s) is %s', (_name, error, expected) => {
    expect(isTransientError(error)).toBe(expected);
  });

  it.each([
    ['ECONNREFUSED', fetchFailed('ECONNREFUSED'), true],
    ['UND_ERR_CONNECT_TIMEOUT', fetchFailed('UND_ERR_CONNECT_TIMEOUT'), true],
    ['ECONNRESET (may have been sent)', fetchFailed('ECONNRESET'), false],
    ['503', httpError(503), false],
    ['TimeoutError', new TimeoutError(10), false],
    ['broken circuit', switchyardError('SWITCHYARD_BROKEN_CIRCUIT'), true],
    ['bulkhead rejected', switchyardError('SWITCHYARD_BULKHEAD_REJECTED'), true],
  ])('isUnsentError(%s) is %s', (_name, error, expected) => {
    expect(isUnsentError(error)).toBe(expected);
  });

  it('networkErrorCode follows the cause chain and survives a cycle', () => {
    const inner = Object.assign(new Error('socket'), { code: 'UND_ERR_SOCKET' });
    expect(networkErrorCode(new TypeError('fetch failed', { cause: new Error('wrapped', { cause: inner }) }))).toBe(
      'UND_ERR_SOCKET',
    );
    const a: { cause?: unknown } = {};
    const b = { cause: a };
    a.cause = b;
    expect(networkErrorCode(a)).toBeUndefined();
    expect(networkErrorCode(switchyardError('SWITCHYARD_TIMEOUT'))).toBeUndefined();
  });
});
