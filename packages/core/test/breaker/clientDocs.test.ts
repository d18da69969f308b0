// Issue 8, "smaller divergences from the docs": what docs/client.md says the client's breakers
// count, and which error a call gets when the registry cannot be read. Real HTTP servers on
// 127.0.0.1; the unreachable Consul agent is a released port on 127.0.0.1 (no agent is the case).
import { type CircuitBreaker, createClient, type ServiceClient, StaticRegistry } from '@switchyard/core';
import { ConsulRegistry } from '@switchyard/core/consul';
import { isNoInstancesError, isRegistryError } from '@switchyard/core/internal';
import { afterEach, describe, expect, it } from 'vitest';
import { refusedPort, startServer, type TestServer } from '../client/servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  status: number,
  options: Partial<Parameters<typeof createClient>[0]> = {},
): Promise<{ server: TestServer; client: ServiceClient; breaker: () => CircuitBreaker }> {
  const server = await startServer('s0', { status });
  const registry = new StaticRegistry({ services: { cart: [{ id: 's0', host: '127.0.0.1', port: server.port }] } });
  const client = createClient({ registry, telemetry: false, retry: false, ...options });
  cleanups.push(
    () => server.close(),
    () => registry.close(),
    () => client.close(),
  );
  const breaker = () => {
    const runtime = client.runtime('cart');
    const breakers = runtime.breakers;
    if (breakers === undefined) throw new Error('the client has no breakers');
    return breakers.get(runtime.eligible()[0] as Parameters<typeof breakers.get>[0]);
  };
  return { server, client, breaker };
}

async function call(client: ServiceClient, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await client.fetch('cart', '/');
    statuses.push(res.status);
    await res.arrayBuffer();
  }
  return statuses;
}

describe('divergence: docs/client.md said the breaker ignores 4xx, while 404s are recorded as successes', () => {
  it.each([404, 400, 409])('records a %i answer as a success: the instance answered', async (status) => {
    const { client, breaker } = await setup(status);
    expect(await call(client, 5)).toEqual([status, status, status, status, status]);
    expect(breaker().snapshot()).toMatchObject({ state: 'closed', calls: 5, failures: 0 });
  });

  it('ignores a 429, a failure status by default: not counted at all', async () => {
    const { client, breaker } = await setup(429);
    expect(await call(client, 5)).toEqual([429, 429, 429, 429, 429]);
    expect(breaker().snapshot()).toMatchObject({ state: 'closed', calls: 0, failures: 0 });
  });

  it('ignores a 4xx that isFailureStatus turns into a failure, and counts a 5xx as one', async () => {
    const notFound = await setup(404, { isFailureStatus: (s) => s >= 400 });
    await call(notFound.client, 5);
    expect(notFound.breaker().snapshot()).toMatchObject({ calls: 0, failures: 0 });

    const broken = await setup(503, { breaker: { slidingWindowSize: 10, minimumNumberOfCalls: 10 } });
    await call(broken.client, 5);
    expect(broken.breaker().snapshot()).toMatchObject({ state: 'closed', calls: 5, failures: 5 });
  });
});

describe('divergence: docs/client.md named RegistryError where NoInstancesError is thrown', () => {
  it('a registry that cannot be read, with nothing cached, fails calls with NoInstancesError', async () => {
    const registry = new ConsulRegistry({ host: '127.0.0.1', port: await refusedPort() });
    const client = createClient({ registry, telemetry: false });
    cleanups.push(
      () => registry.close(),
      () => client.close(),
    );
    const error = await client.fetch('cart', '/').catch((e: unknown) => e);
    expect(isNoInstancesError(error)).toBe(true);
    expect(isRegistryError(error)).toBe(false);
    expect((error as Error).message).toBe(
      'No instances of service "cart": none known (the registry is unreachable and had none cached)',
    );
  });

  it('RegistryError is what a closed registry throws', async () => {
    const registry = new StaticRegistry({ services: { cart: [{ id: 'a', host: '127.0.0.1', port: 1 }] } });
    await registry.close();
    const client = createClient({ registry, telemetry: false });
    cleanups.push(() => client.close());
    const error = await client.fetch('cart', '/').catch((e: unknown) => e);
    expect(isRegistryError(error)).toBe(true);
    expect((error as Error).message).toBe('static: the registry is closed');
  });
});
