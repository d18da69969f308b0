// The client against real HTTP servers on 127.0.0.1: failing, hanging and dead instances.
import { createClient, type ServiceClient, type StaticRegistry } from '@switchyard/core';
import { isBrokenCircuitError, isTimeoutError } from '@switchyard/core/internal';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../test/support/clock.js';
import { until } from '../../../../test/support/until.js';
import { cartRegistry, refusedPort, startServer, type TestServer } from './servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function servers(n: number): Promise<TestServer[]> {
  const started = await Promise.all(Array.from({ length: n }, (_, i) => startServer(`s${i}`)));
  for (const s of started) cleanups.push(() => s.close());
  return started;
}

function registryOf(ports: Array<{ id: string; port: number }>): StaticRegistry {
  const registry = cartRegistry(...ports);
  cleanups.push(() => registry.close());
  return registry;
}

function track(client: ServiceClient): ServiceClient {
  cleanups.push(() => client.close());
  return client;
}

describe('client.fetch under failure', () => {
  it('hides a 500-answering instance, ejects it, then probes and readmits it once healed', async () => {
    const [a, b, bad] = (await servers(3)) as [TestServer, TestServer, TestServer];
    bad.behaviour.status = 500;
    const clock = new ManualClock(10_000);
    const client = track(
      createClient({
        registry: registryOf([a, b, bad]),
        balancer: 'round-robin',
        clock,
        telemetry: false,
        retry: { initialDelayMs: 0, budget: false },
        breaker: {
          slidingWindowSize: 10,
          minimumNumberOfCalls: 4,
          waitDurationInOpenState: 5_000,
          permittedNumberOfCallsInHalfOpenState: 2,
        },
      }),
    );

    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await client.fetch('cart', '/items');
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    const breaker = client.runtime('cart').breakers?.get(client.runtime('cart').eligible()[0] ?? never());
    expect(breaker).toBeDefined();
    const badBreaker = breakerOf(client, bad.id);
    expect(badBreaker.state).toBe('open');
    // Opened after its minimum of 4 calls; no traffic since.
    expect(bad.hits).toBe(4);

    for (let i = 0; i < 20; i++) await (await client.fetch('cart', '/items')).arrayBuffer();
    expect(bad.hits).toBe(4);
    expect(
      client
        .runtime('cart')
        .eligible()
        .map((i) => i.id),
    ).toEqual(['s0', 's1']);

    // Healed; once the open wait has passed, probes go through and it is readmitted.
    bad.behaviour.status = 200;
    clock.time += 5_000;
    for (let i = 0; i < 12; i++) await (await client.fetch('cart', '/items')).arrayBuffer();
    expect(badBreaker.state).toBe('closed');
    expect(bad.hits).toBeGreaterThanOrEqual(4 + 2 + 2);
    expect(
      client
        .runtime('cart')
        .eligible()
        .map((i) => i.id),
    ).toEqual(['s0', 's1', 's2']);
  });

  it('times out a hanging instance and retries elsewhere', async () => {
    const [hanging, ok] = (await servers(2)) as [TestServer, TestServer];
    hanging.behaviour.hang = true;
    const client = track(
      createClient({
        registry: registryOf([hanging, ok]),
        balancer: 'round-robin',
        telemetry: false,
        timeoutMs: 150,
        retry: { initialDelayMs: 0, budget: false },
      }),
    );
    const results = [];
    for (let i = 0; i < 4; i++) {
      const res = await client.fetch('cart', '/slow');
      results.push((await res.json()) as { id: string });
    }
    expect(results.map((r) => r.id)).toEqual(['s1', 's1', 's1', 's1']);
    expect(hanging.hits).toBe(2);
  });

  it('fails fast with a typed error when every instance is down, without a retry storm', async () => {
    const ports = await Promise.all([refusedPort(), refusedPort(), refusedPort()]);
    let attempts = 0;
    const clock = new ManualClock(10_000);
    const client = track(
      createClient({
        registry: registryOf(ports.map((port, i) => ({ id: `dead${i}`, port }))),
        clock,
        telemetry: false,
        fetch: (input, init) => {
          attempts++;
          return fetch(input, init);
        },
        retry: { initialDelayMs: 0 },
        breaker: { slidingWindowSize: 10, minimumNumberOfCalls: 5, waitDurationInOpenState: 30_000 },
      }),
    );
    const calls = 200;
    const errors: unknown[] = [];
    for (let i = 0; i < calls; i++) {
      await client.fetch('cart', '/').then(
        () => errors.push(undefined),
        (error: unknown) => errors.push(error),
      );
    }
    expect(errors.every((e) => e !== undefined)).toBe(true);
    // Each instance is tried until its breaker opens (5 calls each), then nothing reaches the network.
    expect(attempts).toBeLessThanOrEqual(15);
    const last50 = errors.slice(-50);
    expect(last50.every((e) => isBrokenCircuitError(e))).toBe(true);
    const broken = last50[0] as { retryAfterMs: number };
    expect(broken.retryAfterMs).toBeGreaterThan(0);
  });

  it('keeps retries within the budget while a backend answers 503', async () => {
    const [down] = (await servers(1)) as [TestServer];
    down.behaviour.status = 503;
    const clock = new ManualClock(10_000);
    const client = track(
      createClient({
        registry: registryOf([down]),
        clock,
        telemetry: false,
        breaker: false,
        retry: { initialDelayMs: 0, maxAttempts: 5, budget: { ratio: 0.2, minRetriesPerSecond: 1, ttlMs: 10_000 } },
      }),
    );
    const calls = 300;
    for (let i = 0; i < calls; i++) {
      const res = await client.fetch('cart', '/');
      expect(res.status).toBe(503);
      await res.arrayBuffer();
    }
    // 20 % of 300 calls plus a floor of 1/s × 10 s, all inside one budget window.
    expect(down.hits - calls).toBe(0.2 * calls + 10);
  });

  it('rejects with the caller abort reason and stops at once', async () => {
    const [hanging] = (await servers(1)) as [TestServer];
    hanging.behaviour.hang = true;
    const client = track(createClient({ registry: registryOf([hanging]), telemetry: false, timeoutMs: false }));
    const controller = new AbortController();
    const pending = client.fetch('cart', '/', { signal: controller.signal });
    await until(() => hanging.hits > 0, 'the request reached the server');
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(hanging.hits).toBe(1);
  });

  it('times out with a typed TimeoutError when every attempt hangs', async () => {
    const [hanging] = (await servers(1)) as [TestServer];
    hanging.behaviour.hang = true;
    const client = track(
      createClient({
        registry: registryOf([hanging]),
        telemetry: false,
        timeoutMs: 50,
        retry: { maxAttempts: 2, initialDelayMs: 0, budget: false },
        breaker: false,
      }),
    );
    const error = await client.fetch('cart', '/').catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
    expect(hanging.hits).toBe(2);
  });
});

function breakerOf(client: ServiceClient, id: string) {
  const runtime = client.runtime('cart');
  const instance = { id } as Parameters<NonNullable<typeof runtime.breakers>['get']>[0];
  const breaker = runtime.breakers?.get(instance);
  if (breaker === undefined) throw new Error('no breakers');
  return breaker;
}

function never(): never {
  throw new Error('unreachable');
}
