// How client.fetch reads HTTP statuses: Retry-After reaches the retry policy, and 4xx
// refusals do not count against an instance's breaker.
import { createClient, type ServiceClient, StaticRegistry } from '@switchyard/core';
import { parseRetryAfter } from '@switchyard/core/internal';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  behaviour: Partial<TestServer['behaviour']>,
  options: Partial<Parameters<typeof createClient>[0]>,
): Promise<{ server: TestServer; client: ServiceClient }> {
  const server = await startServer('s0', behaviour);
  const registry = new StaticRegistry({ services: { cart: [{ id: 's0', host: '127.0.0.1', port: server.port }] } });
  const client = createClient({ registry, telemetry: false, ...options });
  cleanups.push(
    () => server.close(),
    () => registry.close(),
    () => client.close(),
  );
  return { server, client };
}

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('Wed, 25 Nov 2026 18:00:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 25 Nov 2026 18:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 17:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('client.fetch and statuses', () => {
  it("gives up at once when a server's Retry-After is longer than the retry policy will wait", async () => {
    const { server, client } = await setup(
      { status: 503, headers: { 'retry-after': '120' } },
      { breaker: false, retry: { initialDelayMs: 0, maxRetryAfterMs: 30_000, budget: false } },
    );
    const res = await client.fetch('cart', '/');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('120');
    await res.arrayBuffer();
    expect(server.hits).toBe(1);
  });

  it('does not eject an instance for answering 429', async () => {
    const { server, client } = await setup(
      { status: 429 },
      { retry: false, breaker: { slidingWindowSize: 2, minimumNumberOfCalls: 2 } },
    );
    for (let i = 0; i < 6; i++) {
      const res = await client.fetch('cart', '/');
      expect(res.status).toBe(429);
      await res.arrayBuffer();
    }
    expect(server.hits).toBe(6);
    expect(
      client
        .runtime('cart')
        .eligible()
        .map((i) => i.id),
    ).toEqual(['s0']);
  });

  it('does eject an instance for answering 500, under the same breaker settings', async () => {
    const { server, client } = await setup(
      { status: 500 },
      { retry: false, breaker: { slidingWindowSize: 2, minimumNumberOfCalls: 2 } },
    );
    for (let i = 0; i < 2; i++) await (await client.fetch('cart', '/')).arrayBuffer();
    await expect(client.fetch('cart', '/')).rejects.toThrow(/Circuit is open/);
    expect(server.hits).toBe(2);
  });
});
