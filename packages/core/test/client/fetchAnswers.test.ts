// Regression (reliability issue, case 6): with every instance answering 500, a call whose
// first attempt got a 500 and whose retry was then refused by the (now open) breakers
// rejected with BrokenCircuitError, though docs/client.md says fetch rejects only when no
// attempt got a response. It now resolves with the latest answer, as fetch would.
// Second half: with `breaker: false` and every instance down, callers got undici's raw
// `TypeError('fetch failed')`; they now get a `ConnectionError` naming the instance.
import { BrokenCircuitError, ConnectionError, createClient, StaticRegistry } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { cartRegistry, refusedPort, startServer, type TestServer } from './servers.js';

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('client.fetch when every instance answers 500', () => {
  it('resolves with the latest answer while any attempt got one, and rejects once none did', async () => {
    const a = await startServer('a', { status: 500 });
    const b = await startServer('b', { status: 500 });
    servers.push(a, b);
    const registry = cartRegistry(a, b);
    const client = createClient({
      registry,
      telemetry: false,
      balancer: 'round-robin',
      retry: { maxAttempts: 2, initialDelayMs: 0, jitter: 'none', budget: false },
      // One failure opens a breaker (a window of one call).
      breaker: { slidingWindowSize: 1, minimumNumberOfCalls: 1, waitDurationInOpenState: 60_000 },
    });
    try {
      // Attempt 0 gets a's 500 (a opens), attempt 1 gets b's 500 (b opens): the answer is b's.
      const first = await client.fetch('cart', '/x');
      expect(first.status).toBe(500);
      expect(await first.json()).toMatchObject({ id: 'b' });
      // Now every breaker is open: no attempt of this call gets an answer.
      await expect(client.fetch('cart', '/x')).rejects.toBeInstanceOf(BrokenCircuitError);
    } finally {
      await client.close();
      await registry.close();
    }
  });

  it('resolves with the 500 when a retry after it is refused by a breaker that just opened', async () => {
    const a = await startServer('a', { status: 500 });
    servers.push(a);
    const registry = cartRegistry(a);
    const client = createClient({
      registry,
      telemetry: false,
      retry: { maxAttempts: 3, initialDelayMs: 0, jitter: 'none', budget: false },
      breaker: { slidingWindowSize: 1, minimumNumberOfCalls: 1, waitDurationInOpenState: 60_000 },
    });
    try {
      // The 500 opens a's breaker; the retry is refused locally. The caller still gets the 500.
      const response = await client.fetch('cart', '/x');
      expect(response.status).toBe(500);
      expect(a.hits).toBe(1);
    } finally {
      await client.close();
      await registry.close();
    }
  });
});

describe('client.fetch when no attempt gets a response', () => {
  it('rejects with a ConnectionError naming the service and instance, the platform error as its cause', async () => {
    const ports = [await refusedPort(), await refusedPort()];
    const registry = new StaticRegistry({
      services: { cart: ports.map((port, i) => ({ id: `down-${i}`, host: '127.0.0.1', port })) },
    });
    const client = createClient({
      registry,
      telemetry: false,
      balancer: 'round-robin',
      breaker: false,
      retry: { maxAttempts: 2, initialDelayMs: 0, jitter: 'none', budget: false },
    });
    try {
      const error = await client.fetch('cart', '/items?token=s3cret').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnectionError);
      const connection = error as ConnectionError;
      expect(connection.code).toBe('SWITCHYARD_CONNECTION');
      expect(connection.service).toBe('cart');
      // The last attempt's instance: round-robin tried down-0, then down-1.
      expect(connection.instanceId).toBe('down-1');
      expect(connection.address).toBe(`127.0.0.1:${ports[1]}`);
      expect(connection.networkCode).toBe('ECONNREFUSED');
      expect(connection.cause).toBeInstanceOf(TypeError);
      // No URL in the message: its path and query may carry secrets.
      expect(connection.message).not.toContain('s3cret');
      expect(connection.message).not.toContain('/items');
    } finally {
      await client.close();
      await registry.close();
    }
  });

  it('is retried elsewhere like the network error it wraps, a POST too (a refused connection sent nothing)', async () => {
    const healthy = await startServer('healthy');
    servers.push(healthy);
    const registry = new StaticRegistry({
      services: {
        cart: [
          { id: 'down', host: '127.0.0.1', port: await refusedPort() },
          { id: 'healthy', host: '127.0.0.1', port: healthy.port },
        ],
      },
    });
    const client = createClient({
      registry,
      telemetry: false,
      balancer: 'round-robin',
      breaker: false,
      retry: { maxAttempts: 2, initialDelayMs: 0, jitter: 'none', budget: false },
    });
    try {
      // A POST is not idempotent, but a refused connection proves nothing was sent: retried.
      const response = await client.fetch('cart', '/x', { method: 'POST', body: 'x' });
      expect(response.status).toBe(200);
      expect(healthy.hits).toBe(1);
    } finally {
      await client.close();
      await registry.close();
    }
  });
});

describe("client.fetch when fetch refuses the caller's request", () => {
  it('passes a usage error (UND_ERR_INVALID_ARG) through: it is the caller’s mistake, not "no response"', async () => {
    const a = await startServer('a');
    servers.push(a);
    const registry = cartRegistry(a);
    // What undici's fetch rejects with for a forbidden header: `TypeError('fetch failed')` whose cause is a usage error.
    const usage = new TypeError('fetch failed', {
      cause: Object.assign(new Error('invalid upgrade header'), { code: 'UND_ERR_INVALID_ARG' }),
    });
    const client = createClient({
      registry,
      telemetry: false,
      retry: false,
      breaker: false,
      fetch: () => Promise.reject(usage),
    });
    try {
      await expect(client.fetch('cart', '/x')).rejects.toBe(usage);
    } finally {
      await client.close();
      await registry.close();
    }
  });
});
