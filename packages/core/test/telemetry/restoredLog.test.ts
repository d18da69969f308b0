// Issue 8, smaller divergences: "restored" was logged at open -> half-open, before any probe
// had succeeded. A real client and its native breakers on the harness clock; the log
// records are read back from the SDK's in-memory log exporter.
import { StaticRegistry } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './support.js';

let h: Harness;
afterEach(async () => {
  await h.shutdown();
});

const EJECTION_EVENTS = new Set([
  'switchyard.instance.ejected',
  'switchyard.instance.restored',
  'switchyard.circuit_breaker.state_change',
]);

describe('smaller divergences: "restored" is logged when a probe succeeded (half-open -> closed)', () => {
  it('a failed probe logs no restore; the probe that succeeds does', async () => {
    h = createHarness();
    const client = h.client({
      instances: { cart: [{ id: 'cart-1', host: '127.0.0.1', port: 1 }] },
      retry: false,
      timeoutMs: false,
      breaker: {
        slidingWindowSize: 1,
        minimumNumberOfCalls: 1,
        permittedNumberOfCallsInHalfOpenState: 1,
        waitDurationInOpenState: 1_000,
      },
    });
    const fail = () => Promise.reject(new Error('down'));
    const succeed = () => Promise.resolve('ok');

    await expect(client.call('cart', fail)).rejects.toThrow('down'); // closed -> open
    h.clock.advance(120_000);
    await expect(client.call('cart', fail)).rejects.toThrow('down'); // open -> half-open -> open
    const afterFailedProbe = h.logs().map((r) => r.eventName);
    expect(afterFailedProbe).not.toContain('switchyard.instance.restored');

    h.clock.advance(120_000);
    await expect(client.call('cart', succeed)).resolves.toBe('ok'); // open -> half-open -> closed

    const records = h.logs().filter((r) => EJECTION_EVENTS.has(r.eventName ?? ''));
    const story = records.map((r) =>
      r.eventName === 'switchyard.circuit_breaker.state_change'
        ? `${r.attributes['switchyard.circuit_breaker.previous_state']} -> ${r.attributes['switchyard.circuit_breaker.state']}`
        : r.eventName,
    );
    expect(story).toEqual([
      'closed -> open',
      'switchyard.instance.ejected',
      'open -> half_open',
      'half_open -> open',
      'switchyard.instance.ejected',
      'open -> half_open',
      'half_open -> closed',
      'switchyard.instance.restored',
    ]);
    const closed = records[6]!;
    const restored = records[7]!;
    console.log('restored log record body:', restored.body);
    expect(restored.body).toBe(
      `Instance cart/cart-1 restored: ${closed.attributes['switchyard.circuit_breaker.reason']}`,
    );
    expect(restored.attributes).toEqual({
      'switchyard.service': 'cart',
      'switchyard.instance.id': 'cart-1',
      'switchyard.instance.ejection_reason': closed.attributes['switchyard.circuit_breaker.reason'],
    });
  });

  it('an instance that leaves the registry while ejected is not logged as restored', async () => {
    h = createHarness();
    const registry = new StaticRegistry({
      services: {
        cart: [
          { id: 'cart-1', host: '127.0.0.1', port: 1 },
          { id: 'cart-2', host: '127.0.0.1', port: 2 },
        ],
      },
    });
    const client = h.client({
      registry,
      balancer: 'round-robin',
      retry: false,
      timeoutMs: false,
      breaker: { slidingWindowSize: 1, minimumNumberOfCalls: 1, waitDurationInOpenState: 60_000 },
    });
    const failOnOne = (instance: { readonly id: string }) =>
      instance.id === 'cart-1' ? Promise.reject(new Error('down')) : Promise.resolve('ok');
    for (let i = 0; i < 2; i++) await client.call('cart', failOnOne).catch(() => undefined);
    expect(h.logs().map((r) => r.eventName)).toContain('switchyard.instance.ejected');
    try {
      registry.set('cart', [{ id: 'cart-2', host: '127.0.0.1', port: 2 }]);
      expect(h.logs().map((r) => r.eventName)).not.toContain('switchyard.instance.restored');
    } finally {
      await client.close();
      await registry.close();
    }
  });
});
