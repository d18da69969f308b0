// Breaker telemetry through a real client: its per-instance breakers come from a factory
// the test holds on to, so it can move them through their states.
import { SeverityNumber } from '@opentelemetry/api-logs';
import { type Event, type Instance, type ServiceClient, StaticRegistry } from '@switchyard/core';
import { toDisposable } from '@switchyard/core/internal';
import { TELEMETRY_METRICS } from '@switchyard/core/semconv';
import { afterEach, describe, expect, it } from 'vitest';
import type { BreakerSnapshot, CircuitBreaker, CircuitState, StateChange } from '../../src/breaker/CircuitBreaker.js';
import { createHarness, type Harness, metricNamed, onePoint, pointsWhere } from './support.js';

/** A minimal real breaker: opens after `threshold` consecutive failures; the test moves it through its states. */
class ConsecutiveFailureBreaker implements CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private listeners: Array<(change: StateChange) => void> = [];

  constructor(
    private readonly threshold: number,
    private readonly now: () => number,
  ) {}

  get state(): CircuitState {
    return this.current;
  }

  readonly onStateChange: Event<StateChange> = (listener) => {
    this.listeners.push(listener);
    return toDisposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };

  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (!this.admits()) throw new Error('circuit open');
    if (this.current === 'open') this.move('half-open', 'open duration elapsed');
    try {
      const result = await fn(signal ?? new AbortController().signal);
      this.failures = 0;
      if (this.current === 'half-open') this.move('closed', 'probe succeeded');
      return result;
    } catch (error) {
      this.failures++;
      if (this.current === 'half-open') this.move('open', 'probe failed');
      else if (this.failures >= this.threshold) this.move('open', `${this.failures} consecutive failures`);
      throw error;
    }
  }

  admits(): boolean {
    return this.current !== 'isolated';
  }

  snapshot(): BreakerSnapshot {
    return {
      state: this.current,
      calls: 0,
      failures: this.failures,
      slowCalls: 0,
      failureRate: -1,
      slowCallRate: -1,
      inFlight: 0,
      retryAfterMs: 0,
    };
  }

  isolate(): void {
    this.move('isolated', 'isolated by operator');
  }

  reset(): void {
    this.failures = 0;
    this.move('closed', 'reset');
  }

  dispose(): void {
    this.listeners = [];
  }

  private move(to: CircuitState, reason: string): void {
    if (to === this.current) return;
    const change = { from: this.current, to, reason, at: this.now() };
    this.current = to;
    for (const listener of this.listeners) listener(change);
  }
}

const STATE = TELEMETRY_METRICS.breakerState.name;
const TRANSITIONS = TELEMETRY_METRICS.breakerTransitions.name;
const fail = () => Promise.reject(new Error('boom'));
const succeed = () => Promise.resolve('ok');

let h: Harness;
afterEach(async () => {
  await h.shutdown();
});

/** Breakers of `service` per state, as the latest collection reports them (one series per state). */
async function statesOf(service: string): Promise<Record<string, number>> {
  const metric = (await h.metrics()).get(STATE);
  const values: Record<string, number> = {};
  if (metric === undefined) return values;
  for (const point of pointsWhere<number>(metric, { 'switchyard.service': service })) {
    const state = point.attributes['switchyard.circuit_breaker.state'] as string;
    expect(values[state], `one series for ${state}`).toBeUndefined();
    values[state] = point.value;
  }
  return values;
}

interface Setup {
  readonly client: ServiceClient;
  readonly registry: StaticRegistry;
  /** The breaker the client made for each instance, by instance id. */
  readonly breakers: Map<string, CircuitBreaker>;
}

/**
 * A client of `cart` (instances `ids`) whose breakers are `make(instance)`, with no retry:
 * each call is one attempt through the picked instance's breaker. Resolves once the
 * client has the registry's first snapshot, so every instance has its breaker.
 */
async function setup(
  ids: readonly string[],
  make: (instance: Instance) => CircuitBreaker = () => new ConsecutiveFailureBreaker(1, () => h.clock.now()),
): Promise<Setup> {
  const registry = new StaticRegistry({
    services: { cart: ids.map((id, i) => ({ id, host: '127.0.0.1', port: 1000 + i })) },
  });
  const breakers = new Map<string, CircuitBreaker>();
  const client = h.client({
    registry,
    retry: false,
    timeoutMs: false,
    breaker: (_service, instance) => {
      const breaker = make(instance);
      breakers.set(instance.id, breaker);
      return breaker;
    },
  });
  await client.runtime('cart').firstSnapshot();
  return { client, registry, breakers };
}

describe('circuit breaker telemetry', () => {
  it('state counts the breakers of a service per state: one series per state, 0 included', async () => {
    h = createHarness();
    const { client, registry, breakers } = await setup(
      ['cart-1'],
      () => new ConsecutiveFailureBreaker(2, () => h.clock.now()),
    );
    try {
      const breaker = breakers.get('cart-1') as ConsecutiveFailureBreaker;

      expect(await statesOf('cart')).toEqual({ closed: 1, open: 0, half_open: 0, isolated: 0 });
      await expect(client.call('cart', fail)).rejects.toThrow('boom');
      await expect(client.call('cart', fail)).rejects.toThrow('boom');
      expect(await statesOf('cart')).toEqual({ closed: 0, open: 1, half_open: 0, isolated: 0 });
      breaker.isolate();
      expect(await statesOf('cart')).toEqual({ closed: 0, open: 0, half_open: 0, isolated: 1 });

      const metric = metricNamed(await h.metrics(), STATE);
      expect(metric.descriptor.unit).toBe('{breaker}');
      // Per service: which instance is isolated is in the state-change log record.
      expect(onePoint(metric, { 'switchyard.circuit_breaker.state': 'isolated' }).attributes).toEqual({
        'switchyard.service': 'cart',
        'switchyard.circuit_breaker.state': 'isolated',
      });
    } finally {
      await client.close();
      await registry.close();
    }
  });

  it('counts transitions by previous and new state and logs them with severity', async () => {
    h = createHarness();
    const { client, registry } = await setup(['cart-1']);
    try {
      await expect(client.call('cart', fail)).rejects.toThrow('boom'); // closed -> open
      // The only instance is out: the panic threshold balances over it anyway, and its
      // breaker lets the call probe it.
      await expect(client.call('cart', succeed)).resolves.toBe('ok'); // open -> half-open -> closed

      const metric = metricNamed(await h.metrics(), TRANSITIONS);
      expect(metric.descriptor.unit).toBe('{transition}');
      const counts = metric.dataPoints.map((p) => [
        p.attributes['switchyard.circuit_breaker.previous_state'],
        p.attributes['switchyard.circuit_breaker.state'],
        p.value,
      ]);
      expect(counts).toEqual([
        ['closed', 'open', 1],
        ['open', 'half_open', 1],
        ['half_open', 'closed', 1],
      ]);

      const records = h.logs().filter((r) => r.eventName === 'switchyard.circuit_breaker.state_change');
      expect(records.map((r) => [r.eventName, r.severityNumber, r.severityText])).toEqual([
        ['switchyard.circuit_breaker.state_change', SeverityNumber.WARN, 'WARN'],
        ['switchyard.circuit_breaker.state_change', SeverityNumber.INFO, 'INFO'],
        ['switchyard.circuit_breaker.state_change', SeverityNumber.INFO, 'INFO'],
      ]);
      expect(records[0]!.body).toBe('Circuit breaker cart/cart-1 closed -> open: 1 consecutive failures');
      expect(records[0]!.attributes).toEqual({
        'switchyard.service': 'cart',
        'switchyard.instance.id': 'cart-1',
        'switchyard.circuit_breaker.previous_state': 'closed',
        'switchyard.circuit_breaker.state': 'open',
        'switchyard.circuit_breaker.reason': '1 consecutive failures',
      });
      expect(records[0]!.instrumentationScope.name).toBe('@switchyard/core');
    } finally {
      await client.close();
      await registry.close();
    }
  });

  it('isolation logs at WARN', async () => {
    h = createHarness();
    const { client, registry, breakers } = await setup(['cart-1']);
    try {
      (breakers.get('cart-1') as ConsecutiveFailureBreaker).isolate();
      const records = h.logs().filter((r) => r.eventName === 'switchyard.circuit_breaker.state_change');
      expect(records.map((r) => r.severityText)).toEqual(['WARN']);
    } finally {
      await client.close();
      await registry.close();
    }
  });

  it('an instance that leaves is no longer counted, and its breaker records no more', async () => {
    h = createHarness();
    const { client, registry, breakers } = await setup(['cart-1', 'cart-2']);
    try {
      const one = breakers.get('cart-1') as ConsecutiveFailureBreaker;
      registry.set('cart', [{ id: 'cart-2', host: '127.0.0.1', port: 1001 }]);
      one.isolate();

      expect(await statesOf('cart')).toEqual({ closed: 1, open: 0, half_open: 0, isolated: 0 });
      expect((await h.metrics()).get(TRANSITIONS)?.dataPoints ?? []).toHaveLength(0);
      expect(h.logs()).toHaveLength(0);
    } finally {
      await client.close();
      await registry.close();
    }
  });

  it('a closed client takes the state series of its breakers with it', async () => {
    h = createHarness();
    const { client, registry } = await setup(['cart-1']);
    // (Not collected before: the SDK keeps exporting a cumulative series it saw once.)
    await client.close();
    await registry.close();
    expect(await statesOf('cart')).toEqual({});
  });

  it('a breaker whose state getter throws is left out of the counts; the others are reported', async () => {
    h = createHarness();
    const { client, registry } = await setup(['bad', 'good'], (instance) => {
      const breaker = new ConsecutiveFailureBreaker(1, () => 0);
      if (instance.id !== 'bad') return breaker;
      Object.defineProperty(breaker, 'state', {
        get() {
          throw new Error('broken');
        },
      });
      return breaker;
    });
    try {
      expect(await statesOf('cart')).toEqual({ closed: 1, open: 0, half_open: 0, isolated: 0 });
    } finally {
      await client.close();
      await registry.close();
    }
  });
});
