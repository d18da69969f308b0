// Regression (reliability issue, case 9): `http.request.resend_count` counted attempts a
// breaker refused locally, so the only request sent after one failure carried
// resend_count=2. A refused pick now sends nothing and is no attempt: the request that is
// sent is the first resend, and the retry counter counts one retry.
import { createClient, SlidingWindowBreaker, StaticRegistry, SwitchyardTelemetry, subscribe } from '@switchyard/core';
import { TELEMETRY_ATTRIBUTES } from '@switchyard/core/semconv';
import { afterEach, describe, expect, it } from 'vitest';
import { createInMemoryOtel } from '../../../../test/support/otel.js';
import { startServer, type TestServer } from './servers.js';

/** Admits by `admits()`, refuses in `execute`: the balancer cannot tell before picking it. */
class OptimisticBreaker extends SlidingWindowBreaker {
  override admits(): boolean {
    return true;
  }
}

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('a pick refused by a breaker', () => {
  it('is no attempt: no span, no resend, no retry; the request sent next is resend 1', async () => {
    const failing = await startServer('a', { status: 500 });
    const isolated = await startServer('b');
    const healthy = await startServer('c');
    servers.push(failing, isolated, healthy);
    const registry = new StaticRegistry({
      services: {
        cart: [
          // Round-robin's second pick, over the untried [c, b], is b.
          { id: 'a', host: '127.0.0.1', port: failing.port },
          { id: 'c', host: '127.0.0.1', port: healthy.port },
          { id: 'b', host: '127.0.0.1', port: isolated.port },
        ],
      },
    });
    const otel = createInMemoryOtel();
    const telemetry = new SwitchyardTelemetry({
      tracerProvider: otel.tracerProvider,
      httpInstrumentation: 'switchyard',
    });
    const client = createClient({
      registry,
      telemetry,
      balancer: 'round-robin',
      retry: { initialDelayMs: 0, jitter: 'none', budget: false },
      // b's breaker looks admitting to the balancer but refuses in execute, as a breaker
      // that decides only at admission does (opossum's half-open, a taken probe permit): so
      // round-robin's second pick is b and its breaker refuses it.
      breaker: (_service, instance) => {
        const breaker =
          instance.id === 'b' ? new OptimisticBreaker() : new SlidingWindowBreaker({ minimumNumberOfCalls: 100 });
        if (instance.id === 'b') breaker.isolate();
        return breaker;
      },
    });
    const retries: number[] = [];
    const listening = subscribe('retry', (m) => {
      if (m.client === client) retries.push(m.attempt);
    });
    try {
      const response = await client.fetch('cart', '/x');
      expect(response.status).toBe(200);
    } finally {
      listening.dispose();
      await client.close();
      telemetry.dispose();
    }
    const spans = otel.spans.ended;
    const resends = spans.map((s) => s.attributes[TELEMETRY_ATTRIBUTES.httpRequestResendCount]);
    // Two requests were sent (a's 500, then c's 200): the second is the first resend.
    expect(spans).toHaveLength(2);
    expect(resends).toEqual([undefined, 1]);
    expect(retries).toEqual([1]);
    expect(isolated.hits).toBe(0);
    expect(failing.hits + healthy.hits).toBe(2);
    await otel.shutdown();
  });
});
