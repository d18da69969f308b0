// Regression (reliability issue): "an error whose `message` getter (or a Proxy trap) throws
// reaches the caller as the getter's error". Whatever Switchyard reads off an unknown error
// (message, name, code, cause, status) is read safely, so the caller always gets the original.
import { createClient, fallback, hedge, retry, SlidingWindowBreaker, StaticRegistry, wrap } from '@switchyard/core';
import { type HttpServerRequestGetter, HttpServerTelemetry } from '@switchyard/core/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createInMemoryOtel } from '../../../../test/support/otel.js';
import { createHarness, type Harness } from '../telemetry/support.js';
import { hostileErrors } from './support.js';

const cases = hostileErrors();

describe('a hostile error reaches the caller unchanged', () => {
  it.each(cases)('retry with its default filter: %s', async (_name, hostile) => {
    const policy = retry({ initialDelayMs: 0 });
    await expect(policy.execute(() => Promise.reject(hostile))).rejects.toBe(hostile);
  });

  it.each(cases)('hedge with its default filter: %s', async (_name, hostile) => {
    const policy = hedge({ delayMs: 1_000, maxHedges: 1 });
    await expect(policy.execute(() => Promise.reject(hostile))).rejects.toBe(hostile);
  });

  it.each(cases)('a breaker: %s', async (_name, hostile) => {
    const breaker = new SlidingWindowBreaker();
    await expect(breaker.execute(() => Promise.reject(hostile))).rejects.toBe(hostile);
    expect(breaker.snapshot().calls).toBe(1);
  });

  it.each(cases)('fallback inside wrap: %s', async (_name, hostile) => {
    const policy = wrap(fallback('substitute'), retry({ initialDelayMs: 0 }));
    await expect(policy.execute(() => Promise.reject(hostile))).resolves.toBe('substitute');
  });

  it.each(cases)('server telemetry ending a request with it: %s', async (_name, hostile) => {
    const otel = createInMemoryOtel();
    const getter: HttpServerRequestGetter<object> = {
      method: () => 'GET',
      scheme: () => 'http',
      target: () => '/items',
      headers: () => ({ host: 'shop:80' }),
      httpVersion: () => '1.1',
      clientAddress: () => undefined,
    };
    const server = new HttpServerTelemetry(
      { name: 'test', version: '1' },
      { httpInstrumentation: 'switchyard', tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider },
    );
    try {
      expect(() => server.start({}, getter, '/items').end({ statusCode: 502, error: hostile })).not.toThrow();
      expect(otel.spans.ended).toHaveLength(1);
    } finally {
      await otel.shutdown();
    }
  });

  describe('client.call with telemetry recording', () => {
    let harness: Harness | undefined;
    afterEach(async () => {
      await harness?.shutdown();
      harness = undefined;
    });

    it.each(cases)('%s', async (_name, hostile) => {
      harness = createHarness();
      const registry = new StaticRegistry({ services: { cart: [{ host: '127.0.0.1', port: 1 }] } });
      const client = createClient({ registry, telemetry: harness.telemetry, clock: harness.clock, retry: false });
      try {
        await expect(client.call('cart', () => Promise.reject(hostile))).rejects.toBe(hostile);
      } finally {
        await client.close();
        await registry.close();
      }
    });
  });
});
