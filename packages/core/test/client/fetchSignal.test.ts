// Issue 10, item 1: client.fetch hands fetch a signal only when something can abort the
// attempt (fetch does extra work for every request that carries one).
import { createClient, StaticRegistry } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { timeoutMs?: number | false }) {
  const server: TestServer = await startServer('c');
  cleanups.push(() => server.close());
  const registry = new StaticRegistry({ services: { cart: [{ id: 'c', host: '127.0.0.1', port: server.port }] } });
  cleanups.push(() => registry.close());
  const signals: Array<AbortSignal | null | undefined> = [];
  const client = createClient({
    registry,
    telemetry: false,
    ...options,
    fetch: (input, init) => {
      signals.push(init?.signal);
      return fetch(input, init);
    },
  });
  cleanups.push(() => client.close());
  return { client, signals };
}

describe('issue 10: the per-attempt signal of client.fetch', () => {
  it('sends no signal when nothing can abort the attempt', async () => {
    const { client, signals } = await setup({ timeoutMs: false });
    await (await client.fetch('cart', '/')).arrayBuffer();
    expect(signals).toEqual([undefined]);
  });

  it('sends a signal by default, so the per-attempt timeout can cancel the request', async () => {
    const { client, signals } = await setup({});
    await (await client.fetch('cart', '/')).arrayBuffer();
    expect(signals[0]).toBeInstanceOf(AbortSignal);
  });

  it("sends the caller's signal through when there is no timeout", async () => {
    const { client, signals } = await setup({ timeoutMs: false });
    const controller = new AbortController();
    await (await client.fetch('cart', '/', { signal: controller.signal })).arrayBuffer();
    expect(signals[0]).toBeInstanceOf(AbortSignal);
    controller.abort(new Error('late'));
    expect(signals[0]?.aborted).toBe(true);
  });
});
