// client.request (undici's request on the client's keep-alive agent) against real servers on
// 127.0.0.1: the same answers, policies and trace context as client.fetch.

import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BrokenCircuitError,
  ConfigError,
  ConnectionError,
  createClient,
  type ServiceClient,
  type StaticRegistry,
} from '@switchyard/core';
import { isTimeoutError } from '@switchyard/core/internal';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../../test/support/until.js';
import { createHarness } from '../telemetry/support.js';
import {
  cartRegistry,
  type HangingServer,
  refusedPort,
  startHangingServer,
  startServer,
  type TestServer,
} from './servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function servers(...statuses: number[]): Promise<TestServer[]> {
  const started = await Promise.all(statuses.map((status, i) => startServer(`s${i}`, { status })));
  for (const s of started) cleanups.push(() => s.close());
  return started;
}

function registryOf(ports: Array<{ id: string; port: number }>): StaticRegistry {
  const registry = cartRegistry(...ports);
  cleanups.push(() => registry.close());
  return registry;
}

function clientOf(registry: StaticRegistry, options: Omit<Parameters<typeof createClient>[0], 'registry'> = {}) {
  const client: ServiceClient = createClient({ registry, telemetry: false, ...options });
  cleanups.push(() => client.close());
  return client;
}

describe('client.request answers', () => {
  it('resolves with status, lower-cased headers and a body with json()', async () => {
    const [a] = (await servers(200)) as [TestServer];
    a.behaviour.headers = { 'X-Answer': '42' };
    const client = clientOf(registryOf([a]));
    const res = await client.request('cart', '/items?x=1', { headers: { 'x-caller': 'me' } });
    expect(res.status).toBe(200);
    expect(res.headers['x-answer']).toBe('42');
    expect(await res.body.json()).toEqual({ id: 's0', status: 200 });
    expect(res.url).toBe(`http://127.0.0.1:${a.port}/items?x=1`);
    expect(a.requests[0]).toMatchObject({ method: 'GET', url: '/items?x=1' });
    expect(a.requests[0]?.headers['x-caller']).toBe('me');
  });

  it('resolves a relative path against the instance as fetch does', async () => {
    const [a] = (await servers(200)) as [TestServer];
    const client = clientOf(registryOf([a]));
    await (await client.request('cart', 'items/7?q=1')).body.dump();
    expect(a.requests[0]?.url).toBe('/items/7?q=1');
  });

  it('resolves with a status that is not a failure (404) without retrying', async () => {
    const [a] = (await servers(404)) as [TestServer];
    const client = clientOf(registryOf([a]), { retry: { initialDelayMs: 0, budget: false } });
    const res = await client.request('cart', '/');
    expect(res.status).toBe(404);
    await res.body.dump();
    expect(a.hits).toBe(1);
  });

  it('sends a POST body once: not idempotent, so a 503 is not retried', async () => {
    const [a, b] = (await servers(503, 200)) as [TestServer, TestServer];
    const client = clientOf(registryOf([a, b]), {
      balancer: 'round-robin',
      retry: { initialDelayMs: 0, budget: false },
    });
    const res = await client.request('cart', '/orders', { method: 'post', body: '{"n":1}' });
    expect(res.status).toBe(503);
    await res.body.dump();
    expect(a.requests[0]?.method).toBe('POST');
    expect(a.hits + b.hits).toBe(1);
  });

  it('refuses a URL of another host with a ConfigError naming `path`', async () => {
    const [a] = (await servers(200)) as [TestServer];
    const client = clientOf(registryOf([a]));
    const error = await client.request('cart', 'http://evil.example/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('path');
    expect(a.hits).toBe(0);
  });
});

describe('client.request under failure', () => {
  it('retries a 503 on another instance and resolves with its 200', async () => {
    const [a, b] = (await servers(503, 200)) as [TestServer, TestServer];
    const client = clientOf(registryOf([a, b]), {
      balancer: 'round-robin',
      retry: { initialDelayMs: 0, budget: false },
    });
    const res = await client.request('cart', '/');
    expect(res.status).toBe(200);
    expect(((await res.body.json()) as { id: string }).id).toBe('s1');
    expect([a.hits, b.hits]).toEqual([1, 1]);
  });

  it('resolves with the last 503 once retries are spent, as fetch does', async () => {
    const [a] = (await servers(503)) as [TestServer];
    a.behaviour.headers = { 'retry-after': '0' };
    const client = clientOf(registryOf([a]), {
      breaker: false,
      retry: { maxAttempts: 3, initialDelayMs: 0, budget: false },
    });
    const res = await client.request('cart', '/');
    expect(res.status).toBe(503);
    expect(await res.body.json()).toEqual({ id: 's0', status: 503 });
    expect(a.hits).toBe(3);
  });

  it('opens the instance breaker on 500s, then refuses without sending', async () => {
    const [a] = (await servers(500)) as [TestServer];
    const client = clientOf(registryOf([a]), {
      retry: false,
      breaker: { slidingWindowSize: 4, minimumNumberOfCalls: 4, waitDurationInOpenState: 60_000 },
    });
    for (let i = 0; i < 4; i++) await (await client.request('cart', '/')).body.dump();
    const error = await client.request('cart', '/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(a.hits).toBe(4);
  });

  it('times out a hanging instance with a TimeoutError per attempt', async () => {
    const [a] = (await servers(200)) as [TestServer];
    a.behaviour.hang = true;
    const client = clientOf(registryOf([a]), {
      timeoutMs: 50,
      breaker: false,
      retry: { maxAttempts: 2, initialDelayMs: 0, budget: false },
    });
    const error = await client.request('cart', '/').catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
    expect(a.hits).toBe(2);
  });

  it('rejects with the caller abort reason and stops at once', async () => {
    const [a] = (await servers(200)) as [TestServer];
    a.behaviour.hang = true;
    const client = clientOf(registryOf([a]), { timeoutMs: false });
    const controller = new AbortController();
    const pending = client.request('cart', '/', { signal: controller.signal });
    await until(() => a.hits > 0, 'the request reached the server');
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(a.hits).toBe(1);
  });

  it('rejects with a ConnectionError naming the instance (not the URL) when nothing answers', async () => {
    const port = await refusedPort();
    const client = clientOf(registryOf([{ id: 'dead', port }]), { retry: false, breaker: false });
    const error = await client.request('cart', '/secret?token=abc').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    const connection = error as ConnectionError;
    expect(connection.networkCode).toBe('ECONNREFUSED');
    expect(connection.instanceId).toBe('dead');
    expect(connection.message).not.toContain('secret');
    expect(connection.message).not.toContain('abc');
  });

  it("leaves the global fetch's dispatcher as it was (loading undici would install its own)", async () => {
    const key = Symbol.for('undici.globalDispatcher.1');
    const before = (globalThis as Record<symbol, unknown>)[key];
    const [a] = (await servers(200)) as [TestServer];
    const client = clientOf(registryOf([a]));
    await (await client.request('cart', '/')).body.dump();
    expect((globalThis as Record<symbol, unknown>)[key]).toBe(before);
  });

  it('rejects once the client is closed', async () => {
    const [a] = (await servers(200)) as [TestServer];
    const client = clientOf(registryOf([a]));
    await (await client.request('cart', '/')).body.dump();
    await client.close();
    await expect(client.request('cart', '/')).rejects.toBeInstanceOf(ConfigError);
    expect(a.hits).toBe(1);
  });
});

describe('client.request cancels what it gives up on', () => {
  async function hangingServer(): Promise<HangingServer> {
    const server = await startHangingServer();
    cleanups.push(() => server.close());
    return server;
  }

  it('aborts the request in flight at the per-attempt timeout (the server sees it closed)', async () => {
    const hanging = await hangingServer();
    const client = clientOf(registryOf([{ id: 'h', port: hanging.port }]), {
      timeoutMs: 50,
      retry: false,
      breaker: false,
    });
    const error = await client.request('cart', '/hang').catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
    await hanging.closed;
    expect(hanging.paths).toEqual(['/hang']);
  });

  it('aborts the request in flight on the caller abort (the server sees it closed)', async () => {
    const hanging = await hangingServer();
    const client = clientOf(registryOf([{ id: 'h', port: hanging.port }]), { retry: false, breaker: false });
    const controller = new AbortController();
    const pending = client.request('cart', '/hang', { signal: controller.signal });
    await until(() => hanging.paths.length > 0, 'the request reached the server');
    controller.abort(new Error('user cancelled'));
    await expect(pending).rejects.toThrow('user cancelled');
    await hanging.closed;
  });
});

describe('client.request trace context', () => {
  beforeAll(() => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    propagation.disable();
    context.disable();
  });

  it("sends each attempt's traceparent (replacing the caller's in any case) and records the status", async () => {
    const harness = createHarness({ httpInstrumentation: 'switchyard' });
    cleanups.push(() => harness.shutdown());
    const [a, b] = (await servers(503, 200)) as [TestServer, TestServer];
    const client = clientOf(registryOf([a, b]), {
      telemetry: harness.telemetry,
      clock: harness.clock,
      balancer: 'round-robin',
      retry: { initialDelayMs: 0, budget: false },
    });
    const parent = harness.tracerProvider.getTracer('test').startSpan('checkout');
    const res = await context.with(trace.setSpan(ROOT_CONTEXT, parent), () =>
      client.request('cart', '/items', { headers: { TraceParent: 'stale', 'x-keep': '1' } }),
    );
    await res.body.dump();
    parent.end();
    const attempts = harness.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(attempts.map((s) => s.attributes['http.response.status_code'])).toEqual([503, 200]);
    for (const span of attempts) expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    const [first, second] = attempts as [(typeof attempts)[0], (typeof attempts)[0]];
    expect(a.requests[0]?.headers.traceparent).toBe(
      `00-${first.spanContext().traceId}-${first.spanContext().spanId}-01`,
    );
    expect(b.requests[0]?.headers.traceparent).toBe(
      `00-${second.spanContext().traceId}-${second.spanContext().spanId}-01`,
    );
    expect(b.requests[0]?.headers['x-keep']).toBe('1');
  });
});
