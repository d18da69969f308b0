// Regression (reliability issue, case 9): `http.request.resend_count` counted attempts a
// breaker refused locally, so the only request sent after one failure carried
// resend_count=2. A refused pick now sends nothing and is no attempt: the request that is
// sent is the first resend, and the retry counter counts one retry.
import {
  BrokenCircuitError,
  type CircuitBreaker,
  createClient,
  IsolatedCircuitError,
  SlidingWindowBreaker,
  StaticRegistry,
  SwitchyardTelemetry,
  subscribe,
} from '@switchyard/core';
import { OpossumBreaker } from '@switchyard/core/opossum';
import { TELEMETRY_ATTRIBUTES } from '@switchyard/core/semconv';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock as FakeClock } from '../../../../test/support/clock.js';
import { createInMemoryOtel } from '../../../../test/support/otel.js';
import { startServer, type TestServer } from './servers.js';

/** Admits by `admits()`, refuses in `execute`: the balancer cannot tell before picking it. */
class OptimisticBreaker extends SlidingWindowBreaker {
  override admits(): boolean {
    return true;
  }
}

/** An optimistic breaker that records how each admission went: as an error (`execute`) or as an outcome. */
class CountingBreaker extends OptimisticBreaker {
  executeCalls = 0;
  outcomeRefusals = 0;
  override execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.executeCalls++;
    return super.execute(fn, signal);
  }
  override tryExecute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> | undefined {
    const running = super.tryExecute(fn, signal);
    if (running === undefined) this.outcomeRefusals++;
    return running;
  }
}

/** A user-supplied breaker with only the required methods (no `tryExecute`), admitting by `admits()` optimistically. */
function executeOnly(inner: CircuitBreaker): CircuitBreaker {
  return {
    get state() {
      return inner.state;
    },
    execute: (fn, signal) => inner.execute(fn, signal),
    admits: () => true,
    onStateChange: inner.onStateChange,
    snapshot: () => inner.snapshot(),
    isolate: () => inner.isolate(),
    reset: () => inner.reset(),
    dispose: () => inner.dispose(),
  };
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

describe('issue 10 case 3: a refused pick makes no error', () => {
  async function cart(ids: readonly string[]): Promise<{ registry: StaticRegistry; byId: Map<string, TestServer> }> {
    const byId = new Map<string, TestServer>();
    for (const id of ids) {
      const server = await startServer(id);
      servers.push(server);
      byId.set(id, server);
    }
    const registry = new StaticRegistry({
      services: { cart: ids.map((id) => ({ id, host: '127.0.0.1', port: (byId.get(id) as TestServer).port })) },
    });
    return { registry, byId };
  }

  it('re-picks past an isolated instance through tryExecute: the breaker never builds a rejection', async () => {
    const { registry, byId } = await cart(['a', 'b']);
    const breakers = new Map<string, CountingBreaker>();
    const client = createClient({
      registry,
      balancer: 'round-robin',
      retry: false,
      breaker: (_service, instance) => {
        const breaker = new CountingBreaker();
        if (instance.id === 'a') breaker.isolate();
        breakers.set(instance.id, breaker);
        return breaker;
      },
    });
    const picks: string[] = [];
    const listening = subscribe('pick', (m) => {
      if (m.client === client) picks.push(m.instance.id);
    });
    try {
      for (let i = 0; i < 4; i++) expect((await client.fetch('cart', '/x')).status).toBe(200);
    } finally {
      listening.dispose();
      await client.close();
    }
    const a = breakers.get('a') as CountingBreaker;
    // Every call picked a first (round-robin over [a, b] whose a looks admitting), was refused, went to b.
    expect(picks.filter((id) => id === 'a').length).toBeGreaterThan(0);
    expect(a.outcomeRefusals).toBe(picks.filter((id) => id === 'a').length);
    expect(a.executeCalls).toBe(0);
    expect(byId.get('a')?.hits).toBe(0);
    expect(byId.get('b')?.hits).toBe(4);
  });

  it('fails with the last breaker’s own error, asked once through execute, when every instance refuses', async () => {
    const { registry, byId } = await cart(['a', 'b', 'c']);
    const breakers: CountingBreaker[] = [];
    const client = createClient({
      registry,
      retry: false,
      breaker: () => {
        const breaker = new CountingBreaker();
        breaker.isolate();
        breakers.push(breaker);
        return breaker;
      },
    });
    let error: unknown;
    try {
      await client.fetch('cart', '/x');
    } catch (caught) {
      error = caught;
    } finally {
      await client.close();
    }
    expect(error).toBeInstanceOf(IsolatedCircuitError);
    expect((error as Error).message).toBe('Circuit is isolated until it is reset');
    expect(breakers.map((b) => b.outcomeRefusals)).toEqual([1, 1, 1]);
    expect(breakers.reduce((n, b) => n + b.executeCalls, 0)).toBe(1);
    expect([...byId.values()].map((s) => s.hits)).toEqual([0, 0, 0]);
  });

  it('fails with a BrokenCircuitError saying when to retry when every breaker is open', async () => {
    const failing = await startServer('a', { status: 500 });
    servers.push(failing);
    const registry = new StaticRegistry({ services: { cart: [{ id: 'a', host: '127.0.0.1', port: failing.port }] } });
    const clock = new FakeClock();
    let breaker: CountingBreaker | undefined;
    const client = createClient({
      registry,
      retry: false,
      breaker: () => {
        breaker = new CountingBreaker({
          clock,
          slidingWindowSize: 2,
          minimumNumberOfCalls: 2,
          waitDurationInOpenState: 60_000,
        });
        return breaker;
      },
    });
    let error: unknown;
    try {
      for (let i = 0; i < 2; i++) expect((await client.fetch('cart', '/x')).status).toBe(500);
      clock.advance(15_000);
      await client.fetch('cart', '/x');
    } catch (caught) {
      error = caught;
    } finally {
      await client.close();
    }
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect((error as BrokenCircuitError).retryAfterMs).toBe(45_000);
    expect((error as Error).message).toBe('Circuit is open; retry after 45000 ms');
    expect(breaker?.outcomeRefusals).toBe(1);
    expect(breaker?.executeCalls).toBe(1);
    expect(failing.hits).toBe(2);
  });

  it('still re-picks past a user breaker without tryExecute, through its rejection', async () => {
    const { registry, byId } = await cart(['a', 'b']);
    const client = createClient({
      registry,
      balancer: 'round-robin',
      retry: false,
      breaker: (_service, instance) => {
        const inner = new OpossumBreaker();
        if (instance.id === 'a') inner.isolate();
        return executeOnly(inner);
      },
    });
    try {
      for (let i = 0; i < 4; i++) expect((await client.fetch('cart', '/x')).status).toBe(200);
    } finally {
      await client.close();
    }
    expect(byId.get('a')?.hits).toBe(0);
    expect(byId.get('b')?.hits).toBe(4);
  });
});
