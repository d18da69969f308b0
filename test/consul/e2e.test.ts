// End to end: two real HTTP instances registered in a real Consul agent; `client.fetch`
// balances over them through ConsulRegistry; one is deregistered and shut down mid-traffic
// and the calls move to the other with zero failures.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type ServiceSnapshot } from '@switchyard/core';
import { ConsulRegistry } from '@switchyard/core/consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsulAgent, startConsul } from '../support/consulAgent.js';

interface Instance {
  readonly name: string;
  readonly port: number;
  close(): Promise<void>;
}

async function startInstance(name: string): Promise<Instance> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let agent: ConsulAgent;
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => {
  rejections.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  agent = await startConsul();
});

afterAll(async () => {
  await agent?.stop();
  process.off('unhandledRejection', onRejection);
  expect(rejections).toEqual([]);
});

describe('client.fetch over ConsulRegistry', () => {
  it('balances across two registered instances and moves traffic off a deregistered one without a failed call', async () => {
    const service = `e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const a = await startInstance('a');
    const b = await startInstance('b');
    const registry = new ConsulRegistry({ port: agent.port });
    const client = createClient({
      registry,
      balancer: 'round-robin',
      telemetry: false,
      retry: { maxAttempts: 3, initialDelayMs: 0, budget: false },
      timeoutMs: 2_000,
    });
    try {
      for (const instance of [a, b]) {
        await registry.register({
          service,
          id: `${service}-${instance.name}`,
          host: '127.0.0.1',
          port: instance.port,
          check: { type: 'ttl', ttl: '10s' },
        });
      }

      // Watch the way the client does, to know when the deregistration reached watchers.
      let removedAt: number | undefined;
      let calls = 0;
      const handle = registry.watch(service, (snapshot: ServiceSnapshot) => {
        if (removedAt === undefined && calls > 0 && snapshot.instances.length === 1) removedAt = calls;
      });

      const CALLS = 300;
      const DEREGISTER_AT = 100;
      const bodies: string[] = [];
      let failures = 0;
      for (calls = 0; calls < CALLS; ) {
        if (calls === DEREGISTER_AT) {
          // A graceful shutdown done badly on purpose: deregister, then close at once,
          // without waiting for the change to reach anyone. Retries cover the gap.
          await registry.deregister(`${service}-b`);
          await b.close();
        }
        try {
          const response = await client.fetch(service, '/');
          bodies.push(await response.text());
          if (response.status !== 200) failures += 1;
        } catch {
          failures += 1;
        }
        calls += 1;
      }
      handle.dispose();

      expect(failures).toBe(0);
      expect(bodies).toHaveLength(CALLS);
      // Balanced before: round-robin over both.
      const before = bodies.slice(0, DEREGISTER_AT);
      expect(before.filter((x) => x === 'a').length).toBeGreaterThanOrEqual(40);
      expect(before.filter((x) => x === 'b').length).toBeGreaterThanOrEqual(40);
      // After: everything on a (b's server is closed, so its own hit count could prove nothing).
      expect(bodies.slice(DEREGISTER_AT).every((x) => x === 'a')).toBe(true);
      // The watch saw b leave within a few calls of the deregistration.
      expect(removedAt).toBeDefined();
      expect((removedAt ?? CALLS) - DEREGISTER_AT).toBeLessThan(50);
    } finally {
      await client.close();
      await registry.close();
      await a.close();
      await b.close();
    }
  });
});
