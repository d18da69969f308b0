// Regression (reliability issue, case 1, "panic mode"): three instances, two failing, one
// healthy, client defaults. Past the panic threshold every instance was balanced over, the
// open breakers refused their picks, each refusal spent a retry, the budget ran out, and
// callers got BrokenCircuitError while the healthy instance idled. A pick a breaker refuses
// locally sent nothing: it now costs no retry and no budget, and the client picks again.
import { BALANCER_NAMES, type BalancerName, createClient, StaticRegistry, subscribe } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { refusedPort, startServer, type TestServer } from './servers.js';

const CALLS = 400;

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function run(balancer: BalancerName, sick: 'status-500' | 'refused') {
  const healthy = await startServer('healthy');
  servers.push(healthy);
  const sickPorts: number[] = [];
  for (let i = 0; i < 2; i++) {
    if (sick === 'status-500') {
      const server = await startServer(`sick-${i}`, { status: 500 });
      servers.push(server);
      sickPorts.push(server.port);
    } else {
      sickPorts.push(await refusedPort());
    }
  }
  const registry = new StaticRegistry({
    services: {
      cart: [
        { id: 'sick-0', host: '127.0.0.1', port: sickPorts[0] as number },
        { id: 'sick-1', host: '127.0.0.1', port: sickPorts[1] as number },
        { id: 'healthy', host: '127.0.0.1', port: healthy.port },
      ],
    },
  });
  // Client defaults, but for the backoff (no waiting on the wall clock) and an open wait
  // longer than the test, so no half-open probe makes the count depend on timing.
  const client = createClient({
    registry,
    telemetry: false,
    balancer,
    retry: { initialDelayMs: 0, jitter: 'none' },
    breaker: { waitDurationInOpenState: 600_000 },
  });
  let retries = 0;
  const counting = subscribe('retry', (m) => {
    if (m.client === client) retries++;
  });
  let failures = 0;
  try {
    for (let i = 0; i < CALLS; i++) {
      const response = await client.fetch('cart', `/items/${i}`, { key: `user-${i % 50}` }).catch(() => undefined);
      if (response?.status !== 200) failures++;
    }
  } finally {
    counting.dispose();
    await client.close();
    await registry.close();
  }
  return { failures, retries };
}

describe('while a healthy instance exists, callers see no error', () => {
  for (const balancer of BALANCER_NAMES) {
    for (const sick of ['status-500', 'refused'] as const) {
      it(`${balancer}, two instances ${sick === 'refused' ? 'refusing connections' : 'answering 500'}`, async () => {
        const { failures, retries } = await run(balancer, sick);
        expect(failures).toBe(0);
        // Only real attempts on the sick instances are retried: until their breakers open
        // (10 calls each by default), never after. No retry storm, and well within budget.
        expect(retries).toBeLessThanOrEqual(40);
      });
    }
  }
});
