import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ConfigError,
  HttpStatusError,
  IsolatedCircuitError,
  NoInstancesError,
  RegistryError,
  SwitchyardError,
  TimeoutError,
} from '@switchyard/core';
import { httpStatusOf, PROBLEM_CONTENT_TYPE, switchyardProblem, upstreamFailureOf } from '@switchyard/core/server';
import { describe, expect, it } from 'vitest';

/** fetch's rejection for a refused connection, as undici builds it. */
function fetchFailed(code = 'ECONNREFUSED'): TypeError {
  const cause = Object.assign(new Error(`connect ${code} 10.1.2.3:8080`), { code });
  return new TypeError('fetch failed', { cause });
}

describe('switchyardProblem(): the one table both adapters answer with', () => {
  const cases: Array<[string, unknown, number, string, string | undefined]> = [
    ['open breaker', new BrokenCircuitError(2_500), 503, 'SWITCHYARD_BROKEN_CIRCUIT', '3'],
    ['open breaker, unknown wait', new BrokenCircuitError(0), 503, 'SWITCHYARD_BROKEN_CIRCUIT', '1'],
    ['isolated breaker', new IsolatedCircuitError(), 503, 'SWITCHYARD_ISOLATED_CIRCUIT', undefined],
    ['full bulkhead', new BulkheadRejectedError(10, 0), 503, 'SWITCHYARD_BULKHEAD_REJECTED', undefined],
    ['no instances', new NoInstancesError('billing'), 503, 'SWITCHYARD_NO_INSTANCES', undefined],
    ['registry down', new RegistryError('consul', 'unreachable'), 503, 'SWITCHYARD_REGISTRY', undefined],
    ['timeout', new TimeoutError(250), 504, 'SWITCHYARD_TIMEOUT', undefined],
    [
      'failing status',
      new HttpStatusError(new Response('', { status: 500 }), undefined),
      502,
      'SWITCHYARD_HTTP_STATUS',
      undefined,
    ],
    [
      'a code without a status of its own',
      new SwitchyardError('SWITCHYARD_HTTP_STATUS', 'x'),
      502,
      'SWITCHYARD_HTTP_STATUS',
      undefined,
    ],
    ['bad option (a bug here)', new ConfigError('timeoutMs', 'a number', -1), 500, 'SWITCHYARD_CONFIG', undefined],
    ['transport TypeError', fetchFailed(), 502, 'ECONNREFUSED', undefined],
    ['reset connection', fetchFailed('UND_ERR_SOCKET'), 502, 'UND_ERR_SOCKET', undefined],
    ['AbortSignal.timeout()', new DOMException('The operation timed out', 'TimeoutError'), 504, 'timeout', undefined],
  ];

  it.each(cases)('%s', (_name, error, status, code, retryAfter) => {
    const problem = switchyardProblem(error);
    expect(problem?.status).toBe(status);
    expect(problem?.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(problem?.headers['retry-after']).toBe(retryAfter);
    expect(problem?.retryAfterSeconds).toBe(retryAfter === undefined ? undefined : Number(retryAfter));
    expect(problem?.body).toMatchObject({ type: 'about:blank', status, error: code });
    expect(problem?.body.detail).toBe(problem?.body.message);
  });

  it('hides messages by default (they name hosts, services and options); exposeMessages sends them', () => {
    for (const error of [
      new NoInstancesError('internal-billing-v2'),
      new ConfigError('secret.option', 'x', 1),
      fetchFailed(),
    ]) {
      const hidden = switchyardProblem(error);
      expect(hidden?.body.detail).not.toContain('internal-billing');
      expect(hidden?.body.detail).not.toContain('secret.option');
      expect(switchyardProblem(error, { exposeMessages: true })?.body.detail).toBe(error.message);
    }
  });

  it('answers an exposed message that is not a string without throwing', () => {
    const error = new NoInstancesError('cart');
    Object.defineProperty(error, 'message', { value: 42 });
    expect(switchyardProblem(error, { exposeMessages: true })?.body).toMatchObject({ status: 503, detail: '' });
  });

  it('sends an exposed message with its secrets redacted', () => {
    const error = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
    error.message = 'request to http://svc:hunter2@10.0.0.1/x?token=tok-123 failed';
    const detail = switchyardProblem(Object.assign(error, { code: 'ECONNREFUSED' }), { exposeMessages: true })?.body
      .detail;
    expect(detail).toContain('10.0.0.1');
    expect(detail).not.toContain('hunter2');
    expect(detail).not.toContain('tok-123');
  });

  it('leaves other errors to the framework', () => {
    expect(switchyardProblem(new Error('x'))).toBeUndefined();
    expect(switchyardProblem(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeUndefined();
    expect(switchyardProblem(new DOMException('aborted', 'AbortError'))).toBeUndefined();
    expect(switchyardProblem('a string')).toBeUndefined();
    expect(upstreamFailureOf(null)).toBeUndefined();
  });

  it('httpStatusOf rounds an open breaker up to whole seconds, at least 1', () => {
    expect(httpStatusOf(new BrokenCircuitError(61_001))).toEqual({ status: 503, retryAfterSeconds: 62 });
    expect(httpStatusOf(new BrokenCircuitError(Number.NaN))).toEqual({ status: 503, retryAfterSeconds: 1 });
    expect(httpStatusOf(new ConfigError('x', 'y', 1))).toEqual({ status: 500, retryAfterSeconds: undefined });
  });
});
