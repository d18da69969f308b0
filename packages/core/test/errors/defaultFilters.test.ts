// The default filters, and the client's options taking the same shape.
import {
  createClient,
  HttpStatusError,
  handleWhen,
  ignoredByClientBreaker,
  retryableForClient,
  StaticRegistry,
  TimeoutError,
  transientErrors,
} from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { configErrorOf } from '../../../../test/support/configError.js';
import { fetchFailed } from '../policy/support.js';

const status = (code: number) => new HttpStatusError(new Response(null, { status: code }), undefined);

describe('default filters', () => {
  it('transientErrors: network failures, timeouts, open circuits, 429/502/503/504', () => {
    expect(transientErrors.handles(fetchFailed('ECONNRESET'))).toBe(true);
    expect(transientErrors.handles(new TimeoutError(5))).toBe(true);
    expect(transientErrors.handles(status(503))).toBe(true);
    expect(transientErrors.handles(status(500))).toBe(false);
    expect(transientErrors.handles(new DOMException('x', 'AbortError'))).toBe(false);
  });

  it('retryableForClient: transient errors and any 5xx status', () => {
    expect(retryableForClient.handles(status(500))).toBe(true);
    expect(retryableForClient.handles(status(501))).toBe(true);
    expect(retryableForClient.handles(status(429))).toBe(true);
    expect(retryableForClient.handles(status(404))).toBe(false);
    expect(retryableForClient.handles(new Error('bug'))).toBe(false);
  });

  it('ignoredByClientBreaker: aborts and 4xx statuses, not 5xx or timeouts', () => {
    expect(ignoredByClientBreaker.handles(new DOMException('lost hedge', 'AbortError'))).toBe(true);
    expect(ignoredByClientBreaker.handles(status(429))).toBe(true);
    expect(ignoredByClientBreaker.handles(status(404))).toBe(true);
    expect(ignoredByClientBreaker.handles(status(503))).toBe(false);
    expect(ignoredByClientBreaker.handles(new TimeoutError(5))).toBe(false);
  });
});

describe('client options take the same shape', () => {
  const registries: StaticRegistry[] = [];
  afterEach(async () => {
    for (const registry of registries.splice(0)) await registry.close();
  });
  const registry = () => {
    const made = new StaticRegistry({ services: { cart: [{ host: '127.0.0.1', port: 1 }] } });
    registries.push(made);
    return made;
  };

  it.each([
    ['retry.handle not a filter', { retry: { handle: () => true } }, 'retry.handle'],
    ['the old retry.shouldRetry', { retry: { shouldRetry: () => true } }, 'retry.shouldRetry'],
    ['hedge.handle not a filter', { hedge: { delayMs: 10, handle: 'x' } }, 'hedge.handle'],
    ['the old hedge.shouldHedge', { hedge: { delayMs: 10, shouldHedge: () => true } }, 'hedge.shouldHedge'],
    ['the old breaker.classify', { breaker: { classify: () => 'failure' } }, 'breaker.classify'],
    ['breaker.ignore not a filter', { breaker: { ignore: true } }, 'breaker.ignore'],
  ])('rejects %s when the client is created', (_name, options, option) => {
    const error = configErrorOf(() => createClient({ registry: registry(), telemetry: false, ...(options as object) }));
    expect(error.option).toBe(option);
  });

  it('a retry.handle decides what the client retries', async () => {
    let attempts = 0;
    const client = createClient({
      registry: registry(),
      telemetry: false,
      retry: { initialDelayMs: 0, budget: false, handle: handleWhen((error) => error === 'again') },
    });
    try {
      await expect(
        client.call('cart', () => {
          attempts++;
          return Promise.reject(attempts < 3 ? 'again' : 'stop');
        }),
      ).rejects.toBe('stop');
      expect(attempts).toBe(3);
    } finally {
      await client.close();
    }
  });
});
