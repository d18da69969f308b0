import { SeverityNumber } from '@opentelemetry/api-logs';
import { type Disposable, type Event, TELEMETRY_METRICS, toDisposable } from '@switchyard/core';
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

async function statesOf(instanceId: string): Promise<Record<string, number>> {
  const metric = metricNamed(await h.metrics(), STATE);
  const values: Record<string, number> = {};
  for (const point of pointsWhere<number>(metric, { 'switchyard.instance.id': instanceId })) {
    values[point.attributes['switchyard.circuit_breaker.state'] as string] = point.value;
  }
  return values;
}

describe('circuit breaker telemetry', () => {
  it('state is a status metric: one series per state, 1 for the current one', async () => {
    h = createHarness();
    const breaker = new ConsecutiveFailureBreaker(2, () => h.clock.now());
    h.telemetry.trackBreaker('cart', 'cart-1', breaker);

    expect(await statesOf('cart-1')).toEqual({ closed: 1, open: 0, half_open: 0, isolated: 0 });
    await expect(breaker.execute(fail)).rejects.toThrow();
    await expect(breaker.execute(fail)).rejects.toThrow();
    expect(await statesOf('cart-1')).toEqual({ closed: 0, open: 1, half_open: 0, isolated: 0 });
    breaker.isolate();
    expect(await statesOf('cart-1')).toEqual({ closed: 0, open: 0, half_open: 0, isolated: 1 });

    const metric = metricNamed(await h.metrics(), STATE);
    expect(metric.descriptor.unit).toBe('1');
    expect(onePoint(metric, { 'switchyard.circuit_breaker.state': 'isolated' }).attributes).toEqual({
      'switchyard.service': 'cart',
      'switchyard.instance.id': 'cart-1',
      'switchyard.circuit_breaker.state': 'isolated',
    });
  });

  it('counts transitions by previous and new state and logs them with severity', async () => {
    h = createHarness();
    const breaker = new ConsecutiveFailureBreaker(1, () => h.clock.now());
    h.telemetry.trackBreaker('cart', 'cart-1', breaker);

    await expect(breaker.execute(fail)).rejects.toThrow(); // closed -> open
    await expect(breaker.execute(succeed)).resolves.toBe('ok'); // open -> half-open -> closed

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

    const records = h.logs();
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
  });

  it('isolation logs at WARN', () => {
    h = createHarness();
    const breaker = new ConsecutiveFailureBreaker(1, () => h.clock.now());
    h.telemetry.trackBreaker('cart', 'cart-1', breaker);
    breaker.isolate();
    expect(h.logs().map((r) => r.severityText)).toEqual(['WARN']);
  });

  it('disposing stops the state series and the transition counting', async () => {
    h = createHarness();
    const one = new ConsecutiveFailureBreaker(1, () => h.clock.now());
    const two = new ConsecutiveFailureBreaker(1, () => h.clock.now());
    const tracking: Disposable = h.telemetry.trackBreaker('cart', 'cart-1', one);
    h.telemetry.trackBreaker('cart', 'cart-2', two);
    tracking.dispose();
    one.isolate();

    expect(await statesOf('cart-1')).toEqual({});
    expect(await statesOf('cart-2')).toEqual({ closed: 1, open: 0, half_open: 0, isolated: 0 });
    expect((await h.metrics()).get(TRANSITIONS)?.dataPoints ?? []).toHaveLength(0);
    expect(h.logs()).toHaveLength(0);
  });

  it('a breaker whose state getter throws loses only its own series', async () => {
    h = createHarness();
    const broken = { onStateChange: new ConsecutiveFailureBreaker(1, () => 0).onStateChange } as CircuitBreaker;
    Object.defineProperty(broken, 'state', {
      get() {
        throw new Error('broken');
      },
    });
    h.telemetry.trackBreaker('cart', 'bad', broken);
    h.telemetry.trackBreaker('cart', 'good', new ConsecutiveFailureBreaker(1, () => 0));
    expect(await statesOf('bad')).toEqual({});
    expect(await statesOf('good')).toEqual({ closed: 1, open: 0, half_open: 0, isolated: 0 });
  });
});
