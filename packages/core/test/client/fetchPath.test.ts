// Regression (reliability issue, case 14): client.fetch('cart', '//other.example/x') or an
// absolute URL sent the request to another host and charged cart's breaker. A path that
// leaves the service is refused with a ConfigError before anything is sent.
import { createClient, StaticRegistry } from '@switchyard/core';
import { isConfigError } from '@switchyard/core/internal';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './servers.js';

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('client.fetch paths', () => {
  it('refuses URLs that leave the service, sends nothing anywhere, and charges no breaker', async () => {
    const cart = await startServer('cart');
    const other = await startServer('other');
    servers.push(cart, other);
    const registry = new StaticRegistry({ services: { cart: [{ id: 'c', host: '127.0.0.1', port: cart.port }] } });
    const client = createClient({
      registry,
      telemetry: false,
      breaker: { minimumNumberOfCalls: 1, slidingWindowSize: 1 },
    });
    const elsewhere = [
      `//127.0.0.1:${other.port}/x`,
      `http://127.0.0.1:${other.port}/x`,
      `/\\127.0.0.1:${other.port}/x`,
      `https://example.invalid/`,
      'mailto:someone@example.invalid',
    ];
    for (const path of elsewhere) {
      const error = await client.fetch('cart', path).catch((e: unknown) => e);
      expect(isConfigError(error), path).toBe(true);
      expect(error).toMatchObject({ option: 'path' });
    }
    // Paths on the service still work, and its breaker is closed: nothing was charged.
    expect((await client.fetch('cart', '/items?x=1')).status).toBe(200);
    expect((await client.fetch('cart', 'items/2')).status).toBe(200);
    expect(other.hits).toBe(0);
    expect(cart.requests.map((r) => r.url)).toEqual(['/items?x=1', '/items/2']);
    const [instance] = (await registry.resolve('cart')).instances;
    expect(instance === undefined ? 'none' : client.runtime('cart').breakers?.get(instance).state).toBe('closed');
    await client.close();
  });
});
