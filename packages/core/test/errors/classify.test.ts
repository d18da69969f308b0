// The classification functions of errors/classify.ts: what kind of failure an unknown error is.
import { SwitchyardError, TimeoutError } from '@switchyard/core';
import { isAbortError, isTransientError, isUnsentError, networkErrorCode } from '@switchyard/core/internal';
import { describe, expect, it } from 'vitest';
import { isCallerAbort, isDeadline, serverRetryAfterMs } from '../../src/errors/classify.js';
import { fetchFailed, httpError, switchyardError } from '../policy/support.js';

describe('error classification', () => {
  it('isAbortError', () => {
    const controller = new AbortController();
    controller.abort();
    expect(isAbortError(controller.signal.reason)).toBe(true);
    expect(isAbortError(Object.assign(new Error('x'), { code: 'ABORT_ERR' }))).toBe(true);
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

describe('signals and Retry-After', () => {
  it("isDeadline: Switchyard's TimeoutError and AbortSignal.timeout()'s reason, nothing else", () => {
    expect(isDeadline(new TimeoutError(5))).toBe(true);
    expect(isDeadline(new DOMException('late', 'TimeoutError'))).toBe(true);
    expect(isDeadline(new DOMException('stop', 'AbortError'))).toBe(false);
    expect(isDeadline('TimeoutError')).toBe(false);
  });

  it('isCallerAbort: an aborted signal whose reason is not a deadline', () => {
    expect(isCallerAbort(undefined)).toBe(false);
    expect(isCallerAbort(new AbortController().signal)).toBe(false);
    const left = new AbortController();
    left.abort();
    expect(isCallerAbort(left.signal)).toBe(true);
    const withString = new AbortController();
    withString.abort('bye');
    expect(isCallerAbort(withString.signal)).toBe(true);
    const late = new AbortController();
    late.abort(new TimeoutError(10));
    expect(isCallerAbort(late.signal)).toBe(false);
  });

  it("serverRetryAfterMs: a finite, non-negative retryAfterMs, but never a breaker's", () => {
    expect(serverRetryAfterMs(httpError(503, 1500))).toBe(1500);
    expect(serverRetryAfterMs(httpError(503))).toBeUndefined();
    expect(serverRetryAfterMs(Object.assign(new Error('x'), { retryAfterMs: -1 }))).toBeUndefined();
    expect(serverRetryAfterMs(Object.assign(new Error('x'), { retryAfterMs: Number.NaN }))).toBeUndefined();
    expect(serverRetryAfterMs(switchyardError('SWITCHYARD_BROKEN_CIRCUIT', { retryAfterMs: 5000 }))).toBeUndefined();
    expect(serverRetryAfterMs(undefined)).toBeUndefined();
  });
});
