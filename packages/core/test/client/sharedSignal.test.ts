// Regression (reliability issue, case 12): 64 calls sharing one caller signal raised
// MaxListenersExceededWarning: each call's layers added their own 'abort' listener to it.
import { getEventListeners } from 'node:events';
import { createClient, StaticRegistry } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './servers.js';

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
let server: TestServer | undefined;

afterEach(async () => {
  process.off('warning', onWarning);
  warnings.length = 0;
  await server?.close();
});

describe('many calls sharing one caller signal', () => {
  it('add no listener warning, and all of them still abort with it', async () => {
    process.on('warning', onWarning);
    server = await startServer('a', { hang: true });
    const registry = new StaticRegistry({ services: { cart: [{ id: 'a', host: '127.0.0.1', port: server.port }] } });
    const client = createClient({ registry, telemetry: false });
    const caller = new AbortController();
    const calls = Array.from({ length: 64 }, (_, i) =>
      client.fetch('cart', `/slow/${i}`, { signal: caller.signal }).then(
        () => 'answered',
        (error: unknown) => (error === caller.signal.reason ? 'aborted' : `other: ${String(error)}`),
      ),
    );
    // Every request reached the hung server: all calls are in flight on the shared signal.
    const deadline = performance.now() + 5_000;
    while (server.hits < 64 && performance.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(server.hits).toBe(64);
    caller.abort(new Error('the caller left'));
    const outcomes = await Promise.all(calls);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(outcomes.every((o) => o === 'aborted')).toBe(true);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    await client.close();
    await registry.close();
  });

  it('leave no listener on the signal once they settle without it aborting', async () => {
    server = await startServer('a');
    const registry = new StaticRegistry({ services: { cart: [{ id: 'a', host: '127.0.0.1', port: server.port }] } });
    const client = createClient({ registry, telemetry: false });
    const caller = new AbortController();
    const calls = Array.from({ length: 64 }, (_, i) => client.fetch('cart', `/fast/${i}`, { signal: caller.signal }));
    const responses = await Promise.all(calls);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    // The shared listener goes with the last call that used it.
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    await client.close();
    await registry.close();
  });
});
