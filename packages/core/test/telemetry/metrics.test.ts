// The metrics and log records of calls, retries, picks, ejections, bulkheads and
// registries: driven through real clients where that is natural, else published on the
// channel on behalf of a client (or registry) the telemetry observes.
import { SeverityNumber } from '@opentelemetry/api-logs';
import { createInstance, type ServiceRegistry, SwitchyardError } from '@switchyard/core';
import { isBrokenCircuitError, isBulkheadRejectedError, isTimeoutError } from '@switchyard/core/internal';
import { errorTypeOf, TELEMETRY_METRICS as M } from '@switchyard/core/semconv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Deferred, deferred } from '../../../../test/support/deferred.js';
import { until } from '../../../../test/support/until.js';
import type { CircuitBreaker } from '../../src/breaker/CircuitBreaker.js';
import { redactSecrets } from '../../src/common/redact.js';
import { channels } from '../../src/events/channels.js';
import { startServer, type TestServer } from '../client/servers.js';
import { createHarness, type Harness, type Histogram, metricNamed, onePoint } from './support.js';

let h: Harness;
const servers: TestServer[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await h.shutdown();
  for (const server of servers.splice(0)) await server.close();
});

async function server(id: string, status = 200): Promise<TestServer> {
  const started = await startServer(id, { status });
  servers.push(started);
  return started;
}

const instanceOf = (s: TestServer) => ({ id: s.id, host: '127.0.0.1', port: s.port });

/** A call body that fails only when its attempt signal aborts (caller abort or deadline). */
const untilAborted = (_: unknown, attempt: { signal: AbortSignal }) =>
  new Promise<never>((_resolve, reject) => {
    attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason), { once: true });
  });

describe('call metrics', () => {
  it('switchyard.client.call.duration by service and outcome; error.type only for failures', async () => {
    h = createHarness();
    const cart = await server('cart-1', 503);
    const instances = { cart: [instanceOf(cart)] };
    const plain = h.client({ instances, retry: false, breaker: false, timeoutMs: false });

    const took = (ms: number) => async () => {
      h.clock.advance(ms);
      return 'ok';
    };
    await plain.call('cart', took(120));
    await plain.call('cart', took(80));
    // A failure status once attempts are spent: fetch hands back the response, the call failed.
    const response = await plain.fetch('cart', '/');
    expect(response.status).toBe(503);
    await response.arrayBuffer();
    await expect(
      plain.call('cart', async () => {
        h.clock.advance(10);
        throw new Error('plain failure');
      }),
    ).rejects.toThrow('plain failure');
    const controller = new AbortController();
    const aborted = plain.call('cart', untilAborted, { signal: controller.signal });
    h.clock.advance(50);
    controller.abort();
    await expect(aborted).rejects.toThrow();

    // An open breaker refuses the call before any attempt.
    const fragile = h.client({
      instances,
      retry: false,
      timeoutMs: false,
      breaker: { slidingWindowSize: 2, minimumNumberOfCalls: 1, waitDurationInOpenState: 60_000 },
    });
    await expect(fragile.call('cart', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    const refused = await fragile.call('cart', took(0)).catch((e: unknown) => e);
    expect(isBrokenCircuitError(refused)).toBe(true);

    // A deadline that passes (the timeout policy runs on fake timers and performance.now).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const slow = h.client({ instances, retry: false, breaker: false, timeoutMs: 1_000 });
    let started = false;
    const timedOut = slow
      .call('cart', (instance, attempt) => {
        started = true;
        return untilAborted(instance, attempt);
      })
      .catch((e: unknown) => e);
    await until(() => started, 'the slow call started');
    h.clock.advance(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(isTimeoutError(await timedOut)).toBe(true);
    vi.useRealTimers();

    const metric = metricNamed(await h.metrics(), M.callDuration.name);
    expect(metric.descriptor.unit).toBe('s');
    const success = onePoint<Histogram>(metric, { 'switchyard.outcome': 'success' });
    expect(success.attributes).toEqual({ 'switchyard.service': 'cart', 'switchyard.outcome': 'success' });
    expect(success.value.count).toBe(2);
    expect(success.value.sum).toBeCloseTo(0.2, 9);
    expect(success.value.buckets.boundaries[0]).toBe(0.005);
    expect(onePoint(metric, { 'switchyard.outcome': 'timeout' }).attributes['error.type']).toBe('timeout');
    expect(onePoint(metric, { 'switchyard.outcome': 'rejected' }).attributes['error.type']).toBe(
      'SWITCHYARD_BROKEN_CIRCUIT',
    );
    expect(onePoint(metric, { 'switchyard.outcome': 'aborted' }).attributes['error.type']).toBeUndefined();
    expect(onePoint(metric, { 'switchyard.outcome': 'failure', 'error.type': '503' }).attributes).toEqual({
      'switchyard.service': 'cart',
      'switchyard.outcome': 'failure',
      'error.type': '503',
    });
    const other = onePoint<Histogram>(metric, { 'switchyard.outcome': 'failure', 'error.type': '_OTHER' });
    expect(other.attributes).toEqual({
      'switchyard.service': 'cart',
      'switchyard.outcome': 'failure',
      'error.type': '_OTHER',
    });
    // The plain failure (10 ms) and the failure that opened the breaker (0 ms).
    expect(other.value.count).toBe(2);
    expect(other.value.sum).toBeCloseTo(0.01, 9);
  });

  it('a call that ended without an error object still carries error.type _OTHER', async () => {
    h = createHarness();
    const client = h.client({ instances: { cart: [{ id: 'cart-1', host: '127.0.0.1', port: 1 }] } });
    // The first runtime turns per-call metrics on (they cost a message per call).
    client.runtime('cart');
    channels.callEnd.publish({ client, service: 'cart', outcome: 'failure', error: undefined, durationMs: 10 });
    const point = onePoint<Histogram>(metricNamed(await h.metrics(), M.callDuration.name));
    expect(point.attributes).toEqual({
      'switchyard.service': 'cart',
      'switchyard.outcome': 'failure',
      'error.type': '_OTHER',
    });
    expect(point.value.sum).toBeCloseTo(0.01, 9);
  });

  it('retries are counted by reason', async () => {
    h = createHarness();
    const answers = [await server('a', 503), await server('b', 503)];
    const client = h.client({
      instances: { cart: answers.map(instanceOf) },
      breaker: false,
      retry: { maxAttempts: 3, initialDelayMs: 0, budget: false },
    });
    // Three attempts, each answered 503: two retries, and fetch hands back the last answer.
    const response = await client.fetch('cart', '/');
    expect(response.status).toBe(503);
    expect(answers[0]!.hits + answers[1]!.hits).toBe(3);
    await response.arrayBuffer();
    const value = await client.call('cart', async (_instance, attempt) => {
      if (attempt.attempt === 0) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return 'second time';
    });
    expect(value).toBe('second time');

    const metric = metricNamed(await h.metrics(), M.retries.name);
    expect(metric.descriptor.unit).toBe('{retry}');
    expect(onePoint(metric, { 'switchyard.retry.reason': '503' }).value).toBe(2);
    expect(onePoint(metric, { 'switchyard.retry.reason': 'ECONNRESET' }).attributes).toEqual({
      'switchyard.service': 'cart',
      'switchyard.retry.reason': 'ECONNRESET',
    });
  });

  it('an exhausted retry budget is counted every time and logged at WARN at most once per interval', async () => {
    h = createHarness({ logIntervalMs: 10_000 });
    const instance = { id: 'x-1', host: '127.0.0.1', port: 1 };
    // A budget with nothing in it: every wanted retry is denied.
    const client = h.client({
      instances: { cart: [instance], search: [{ ...instance, id: 'x-2' }] },
      breaker: false,
      retry: { maxAttempts: 3, initialDelayMs: 0, budget: { ratio: 0, minRetriesPerSecond: 0 } },
    });
    const reset = () => Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    for (let i = 0; i < 5; i++) await expect(client.call('cart', reset)).rejects.toThrow('socket hang up');
    h.clock.advance(10_000);
    await expect(client.call('cart', reset)).rejects.toThrow('socket hang up');
    await expect(client.call('search', reset)).rejects.toThrow('socket hang up');

    const metric = metricNamed(await h.metrics(), M.retryBudgetExhausted.name);
    expect(onePoint(metric, { 'switchyard.service': 'cart' }).value).toBe(6);
    const records = h.logs();
    expect(records.map((r) => [r.attributes['switchyard.service'], r.attributes['switchyard.log.suppressed']])).toEqual(
      [
        ['cart', 0],
        ['cart', 4],
        ['search', 0],
      ],
    );
    expect(records[0]!.severityNumber).toBe(SeverityNumber.WARN);
    expect(records[0]!.eventName).toBe('switchyard.retry_budget.exhausted');
    expect(records[0]!.body).toBe('Retry budget for cart exhausted: retries are being denied');
  });

  it('balancer picks are counted per service and balancer (never per instance: ids churn)', async () => {
    h = createHarness();
    const client = h.client({
      instances: {
        cart: [
          { id: 'cart-1', host: '127.0.0.1', port: 1 },
          { id: 'cart-2', host: '127.0.0.1', port: 2 },
        ],
      },
      balancer: 'round-robin',
    });
    const picked: string[] = [];
    for (let i = 0; i < 3; i++) await client.call('cart', async (instance) => picked.push(instance.id));
    expect(picked).toEqual(['cart-1', 'cart-2', 'cart-1']);

    const metric = metricNamed(await h.metrics(), M.balancerPicks.name);
    expect(metric.descriptor.unit).toBe('{pick}');
    expect(onePoint(metric).value).toBe(3);
    expect(onePoint(metric).attributes).toEqual({
      'switchyard.service': 'cart',
      'switchyard.balancer': 'round-robin',
    });
  });

  it('records only the clients it observes', async () => {
    h = createHarness();
    const other = createHarness();
    try {
      const instances = { cart: [{ id: 'cart-1', host: '127.0.0.1', port: 1 }] };
      await other.client({ instances }).call('cart', async () => 'ok');
      expect((await h.metrics()).get(M.callDuration.name)?.dataPoints ?? []).toHaveLength(0);
      expect((await h.metrics()).get(M.balancerPicks.name)?.dataPoints ?? []).toHaveLength(0);
      expect(onePoint(metricNamed(await other.metrics(), M.balancerPicks.name)).value).toBe(1);
    } finally {
      await other.shutdown();
    }
  });
});

describe('ejection', () => {
  const cart1 = createInstance({ id: 'cart-1', host: '10.0.0.1', port: 1 }, 'cart');
  const cart2 = createInstance({ id: 'cart-2', host: '10.0.0.2', port: 1 }, 'cart');

  it('counts ejections, keeps the ejected gauge current and logs both ways; repeats are ignored', async () => {
    h = createHarness();
    const client = h.client();
    const eject = (instance: typeof cart1, ejected: boolean, reason: string) =>
      channels.ejection.publish({ client, service: 'cart', instance, ejected, reason });
    eject(cart1, true, 'breaker open');
    eject(cart1, true, 'breaker open');
    eject(cart2, true, 'breaker open');
    let metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.instancesEjected.name), { 'switchyard.service': 'cart' }).value).toBe(2);
    // Per service: which instance was ejected is in the log record.
    expect(onePoint(metricNamed(metrics, M.instanceEjections.name)).attributes).toEqual({
      'switchyard.service': 'cart',
    });
    expect(onePoint(metricNamed(metrics, M.instanceEjections.name)).value).toBe(2);

    // Back in the balancing set (half-open: probes only): the gauge drops, no "restored" yet.
    eject(cart1, false, 'breaker half-open');
    eject(cart1, false, 'breaker half-open');
    metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.instancesEjected.name)).value).toBe(1);
    // A probe succeeded: the breaker closes, and now the instance is restored.
    channels.breakerState.publish({
      client,
      service: 'cart',
      instance: cart1,
      breaker: { state: 'closed', onStateChange: () => ({ dispose() {} }) } as unknown as CircuitBreaker,
      change: { from: 'half-open', to: 'closed', reason: 'probe succeeded', at: 0 },
    });

    expect(
      h
        .logs()
        .filter((r) => r.eventName !== 'switchyard.circuit_breaker.state_change')
        .map((r) => [r.eventName, r.severityText, r.body]),
    ).toEqual([
      ['switchyard.instance.ejected', 'WARN', 'Instance cart/cart-1 ejected: breaker open'],
      ['switchyard.instance.ejected', 'WARN', 'Instance cart/cart-2 ejected: breaker open'],
      ['switchyard.instance.restored', 'INFO', 'Instance cart/cart-1 restored: probe succeeded'],
    ]);
    expect(h.logs()[0]!.attributes['switchyard.instance.ejection_reason']).toBe('breaker open');
  });
  it('ejections are per client: two clients of a service each count theirs; the gauge counts distinct instances', async () => {
    h = createHarness();
    const first = h.client();
    const second = h.client();
    const eject = (client: typeof first, instance: typeof cart1, ejected: boolean) =>
      channels.ejection.publish({ client, service: 'cart', instance, ejected, reason: 'breaker open' });
    eject(first, cart1, true);
    eject(second, cart1, true);
    eject(second, cart2, true);
    eject(first, cart1, false);
    // (Collected once, at the end: the gauge would keep a series it saw once anyway.)
    const metrics = await h.metrics();
    // cart-1 is still out of the second client's set, cart-2 too.
    expect(onePoint(metricNamed(metrics, M.instancesEjected.name)).value).toBe(2);
    expect(onePoint(metricNamed(metrics, M.instanceEjections.name)).value).toBe(3);
    expect(h.logs().map((r) => r.body)).toEqual([
      'Instance cart/cart-1 ejected: breaker open',
      'Instance cart/cart-1 ejected: breaker open',
      'Instance cart/cart-2 ejected: breaker open',
    ]);
  });

  it('an ejected instance whose breaker goes away (client closed) leaves the gauge', async () => {
    h = createHarness();
    const client = h.client({
      instances: {
        cart: [
          { id: 'cart-1', host: '127.0.0.1', port: 1 },
          { id: 'cart-2', host: '127.0.0.1', port: 2 },
        ],
      },
      balancer: 'round-robin',
      retry: false,
      breaker: { slidingWindowSize: 2, minimumNumberOfCalls: 1, waitDurationInOpenState: 60_000 },
    });
    await expect(client.call('cart', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(h.logs().map((r) => r.eventName)).toContain('switchyard.instance.ejected');
    expect(onePoint(metricNamed(await h.metrics(), M.instancesEjected.name)).value).toBe(1);
    await client.close();
    // Reported as gone (0) once, then no longer observed.
    const metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.instancesEjected.name)).value).toBe(0);
    expect(onePoint(metricNamed(metrics, M.instanceEjections.name)).value).toBe(1);
  });
});

describe('bulkhead', () => {
  /** Starts `n` calls that each wait for their own gate; resolves once they reached the bulkhead. */
  function holdCalls(client: ReturnType<Harness['client']>, n: number) {
    const gates: Deferred<string>[] = [];
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      calls.push(
        client
          .call('cart', () => {
            const gate = deferred();
            gates.push(gate);
            return gate.promise;
          })
          .catch((e: unknown) => e),
      );
    }
    return { gates, calls };
  }

  it('reports in-flight and queued calls at collection time, and counts rejections', async () => {
    h = createHarness();
    const client = h.client({
      instances: { cart: [{ id: 'cart-1', host: '127.0.0.1', port: 1 }] },
      bulkhead: { maxConcurrent: 3, maxQueue: 1 },
      retry: false,
      breaker: false,
      timeoutMs: false,
    });
    const { gates, calls } = holdCalls(client, 4);
    await until(() => gates.length === 3, 'three calls admitted');
    const rejected = await client.call('cart', async () => 'never runs').catch((e: unknown) => e);
    expect(isBulkheadRejectedError(rejected)).toBe(true);

    let metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.bulkheadInFlight.name)).value).toBe(3);
    expect(onePoint(metricNamed(metrics, M.bulkheadQueued.name)).value).toBe(1);
    expect(onePoint(metricNamed(metrics, M.bulkheadRejections.name)).attributes).toEqual({
      'switchyard.service': 'cart',
    });
    expect(onePoint(metricNamed(metrics, M.bulkheadInFlight.name)).attributes).toEqual({
      'switchyard.service': 'cart',
    });
    expect(metricNamed(metrics, M.bulkheadInFlight.name).descriptor.unit).toBe('{call}');

    // Two finish: the queued call is admitted.
    gates[0]!.resolve('done');
    gates[1]!.resolve('done');
    await until(() => gates.length === 4, 'the queued call admitted');
    metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.bulkheadInFlight.name)).value).toBe(2);
    expect(onePoint(metricNamed(metrics, M.bulkheadQueued.name)).value).toBe(0);

    // A closed client's bulkhead leaves the gauges: no longer read (its two calls are still
    // running), its series is reported as gone, 0.
    await client.close();
    metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.bulkheadInFlight.name)).value).toBe(0);
    for (const gate of gates) gate.resolve('done');
    await Promise.all(calls);
  });

  it('after dispose() nothing is observed, and observing again works', async () => {
    h = createHarness();
    const instances = { cart: [{ id: 'cart-1', host: '127.0.0.1', port: 1 }] };
    const bulkhead = { maxConcurrent: 10, maxQueue: 0 };
    const options = { instances, bulkhead, retry: false, breaker: false, timeoutMs: false } as const;
    const first = holdCalls(h.client(options), 7);
    await until(() => first.gates.length === 7, 'seven calls admitted');
    h.telemetry.dispose();
    let metrics = await h.metrics();
    expect(metrics.get(M.bulkheadInFlight.name)?.dataPoints.find((p) => p.value === 7)).toBeUndefined();

    const second = holdCalls(h.client(options), 8);
    await until(() => second.gates.length === 8, 'eight calls admitted');
    metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.bulkheadInFlight.name)).value).toBe(8);
    for (const gate of [...first.gates, ...second.gates]) gate.resolve('done');
    await Promise.all([...first.calls, ...second.calls]);
  });

  it('the bulkheads of two clients of one service add up in one series', async () => {
    h = createHarness();
    const instances = { cart: [{ id: 'cart-1', host: '127.0.0.1', port: 1 }] };
    const options = { instances, bulkhead: { maxConcurrent: 10 }, retry: false, breaker: false } as const;
    const first = holdCalls(h.client(options), 2);
    const second = holdCalls(h.client(options), 3);
    await until(() => first.gates.length === 2 && second.gates.length === 3, 'five calls admitted');
    const metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.bulkheadInFlight.name)).value).toBe(5);
    expect(onePoint(metricNamed(metrics, M.bulkheadQueued.name)).value).toBe(0);
    for (const gate of [...first.gates, ...second.gates]) gate.resolve('done');
    await Promise.all([...first.calls, ...second.calls]);
  });

  it('a bulkhead whose gauges throw loses only its own series', async () => {
    h = createHarness();
    const client = h.client();
    const broken = {
      get inFlight(): number {
        throw new Error('broken gauge');
      },
      queued: 2,
    };
    channels.bulkheadCreate.publish({ client, service: 'broken', bulkhead: broken });
    channels.bulkheadCreate.publish({ client, service: 'cart', bulkhead: { inFlight: 5, queued: 1 } });
    const metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.bulkheadInFlight.name)).attributes['switchyard.service']).toBe('cart');
    expect(onePoint(metricNamed(metrics, M.bulkheadQueued.name), { 'switchyard.service': 'broken' }).value).toBe(2);
  });
});

describe('registry', () => {
  const instances = [
    createInstance({ id: 'a', host: '10.0.0.1', port: 1 }, 'cart'),
    createInstance({ id: 'b', host: '10.0.0.2', port: 1, health: 'warning' }, 'cart'),
    createInstance({ id: 'c', host: '10.0.0.3', port: 1 }, 'cart'),
  ];
  /** What publishes for these tests: only its identity and name matter to the telemetry. */
  const consul = { name: 'consul' } as ServiceRegistry;
  const snapshotOf = (state: { instances: typeof instances; updatedAt: number; stale: boolean }) => ({
    service: 'cart',
    version: 1,
    ...state,
  });

  it('instances by health, stale flag and staleness in seconds, read at collection time', async () => {
    h = createHarness();
    h.telemetry.observeRegistry(consul);
    const state = { instances, updatedAt: h.wallClock.now(), stale: false };
    channels.registrySnapshot.publish({ registry: consul, service: 'cart', snapshot: snapshotOf(state) });
    h.wallClock.advance(2_500);

    let metrics = await h.metrics();
    const byHealth = metricNamed(metrics, M.registryInstances.name);
    expect(byHealth.descriptor.unit).toBe('{instance}');
    expect(onePoint(byHealth, { 'switchyard.instance.health': 'passing' }).value).toBe(2);
    expect(onePoint(byHealth, { 'switchyard.instance.health': 'warning' }).value).toBe(1);
    expect(onePoint(byHealth, { 'switchyard.instance.health': 'critical' }).attributes).toEqual({
      'switchyard.registry': 'consul',
      'switchyard.service': 'cart',
      'switchyard.instance.health': 'critical',
    });
    expect(onePoint(metricNamed(metrics, M.registryStale.name)).value).toBe(0);
    const staleness = onePoint(metricNamed(metrics, M.registryStaleness.name));
    expect(staleness.value).toBe(2.5);
    expect(staleness.attributes).toEqual({ 'switchyard.registry': 'consul', 'switchyard.service': 'cart' });

    channels.registrySnapshot.publish({
      registry: consul,
      service: 'cart',
      snapshot: snapshotOf({ ...state, stale: true }),
    });
    h.wallClock.advance(60_000);
    metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.registryStale.name)).value).toBe(1);
    expect(onePoint(metricNamed(metrics, M.registryStaleness.name)).value).toBe(62.5);
  });

  it('no staleness before the first confirmation; registries it does not observe are left out', async () => {
    h = createHarness();
    h.telemetry.observeRegistry(consul);
    const unobserved = { name: 'elsewhere' } as ServiceRegistry;
    channels.registrySnapshot.publish({
      registry: consul,
      service: 'cart',
      snapshot: snapshotOf({ instances: [], updatedAt: 0, stale: true }),
    });
    channels.registrySnapshot.publish({
      registry: unobserved,
      service: 'cart',
      snapshot: snapshotOf({ instances, updatedAt: h.wallClock.now(), stale: false }),
    });
    const metrics = await h.metrics();
    expect(metrics.get(M.registryStaleness.name)?.dataPoints ?? []).toHaveLength(0);
    expect(onePoint(metricNamed(metrics, M.registryStale.name)).attributes).toEqual({
      'switchyard.registry': 'consul',
      'switchyard.service': 'cart',
    });
  });

  it('a registry that closes takes only its own views along, not those of another of the same name', async () => {
    h = createHarness();
    const other = { name: 'consul' } as ServiceRegistry;
    h.telemetry.observeRegistry(consul);
    h.telemetry.observeRegistry(other);
    const state = { instances, updatedAt: h.wallClock.now(), stale: false };
    channels.registrySnapshot.publish({ registry: consul, service: 'cart', snapshot: snapshotOf(state) });
    channels.registrySnapshot.publish({
      registry: other,
      service: 'search',
      snapshot: { ...snapshotOf(state), service: 'search' },
    });
    // (Nothing collected before: the SDK keeps exporting a cumulative series it saw once.)
    channels.registryClose.publish({ registry: consul });
    const metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.registryStale.name)).attributes).toEqual({
      'switchyard.registry': 'consul',
      'switchyard.service': 'search',
    });
  });

  it('a registry it no longer observes is no longer reported', async () => {
    h = createHarness();
    const observation = h.telemetry.observeRegistry(consul);
    const second = h.telemetry.observeRegistry(consul);
    const state = { instances, updatedAt: h.wallClock.now(), stale: false };
    channels.registrySnapshot.publish({ registry: consul, service: 'cart', snapshot: snapshotOf(state) });
    observation.dispose();
    observation.dispose();
    // Still observed once.
    channels.registrySnapshot.publish({ registry: consul, service: 'search', snapshot: snapshotOf(state) });
    second.dispose();
    const metrics = await h.metrics();
    expect(metrics.get(M.registryStale.name)?.dataPoints ?? []).toHaveLength(0);
    expect(metrics.get(M.registryInstances.name)?.dataPoints ?? []).toHaveLength(0);
  });

  it("a client's telemetry observes the client's registry", async () => {
    h = createHarness();
    const client = h.client({ instances: { cart: [{ id: 'a', host: '127.0.0.1', port: 1 }] } });
    const registry = client.registry;
    channels.registryRefresh.publish({ registry, service: 'cart', durationMs: 4 });
    const point = onePoint<Histogram>(metricNamed(await h.metrics(), M.registryUpdateDuration.name));
    expect(point.attributes).toEqual({ 'switchyard.registry': 'static', 'switchyard.service': 'cart' });
  });

  it('watch errors are counted by error.type and logged without secrets, rate-limited', async () => {
    h = createHarness({ logIntervalMs: 5_000 });
    h.telemetry.observeRegistry(consul);
    const error = new TypeError('fetch failed', {
      cause: Object.assign(
        new Error(
          'connect ECONNREFUSED http://admin:hunter2@consul:8500/v1/health/service/cart?token=s3cr3t&index=7 X-Consul-Token: abc123',
        ),
        { code: 'ECONNREFUSED' },
      ),
    });
    const wrapped = new Error('watch failed for token=s3cr3t with Authorization: Bearer eyJhbGci.x.y', {
      cause: error,
    });
    channels.registryError.publish({ registry: consul, service: 'cart', error: wrapped });
    channels.registryError.publish({ registry: consul, service: 'cart', error: wrapped });

    const metric = metricNamed(await h.metrics(), M.registryWatchErrors.name);
    expect(onePoint(metric).attributes).toEqual({
      'switchyard.registry': 'consul',
      'switchyard.service': 'cart',
      'error.type': 'ECONNREFUSED',
    });
    expect(onePoint(metric).value).toBe(2);

    const records = h.logs();
    expect(records).toHaveLength(1);
    const record = records[0]!;
    expect(record.eventName).toBe('switchyard.registry.watch_error');
    expect(record.severityNumber).toBe(SeverityNumber.WARN);
    const text = JSON.stringify({ body: record.body, attributes: record.attributes });
    expect(text).not.toMatch(/s3cr3t|hunter2|eyJhbGci|abc123/);
    expect(record.body).toBe(
      'Registry consul could not refresh cart (ECONNREFUSED): watch failed for token=REDACTED with Authorization: REDACTED',
    );
  });

  it('registry update duration in seconds', async () => {
    h = createHarness();
    h.telemetry.observeRegistry(consul);
    channels.registryRefresh.publish({ registry: consul, service: 'cart', durationMs: 15 });
    const point = onePoint<Histogram>(metricNamed(await h.metrics(), M.registryUpdateDuration.name));
    expect(point.value.sum).toBeCloseTo(0.015, 9);
    expect(point.attributes).toEqual({ 'switchyard.registry': 'consul', 'switchyard.service': 'cart' });
  });
});

describe('errorTypeOf', () => {
  it('is low-cardinality and unwraps wrappers', () => {
    expect(errorTypeOf(new TypeError('fetch failed', { cause: { code: 'UND_ERR_SOCKET' } }))).toBe('UND_ERR_SOCKET');
    expect(errorTypeOf(new SwitchyardError('SWITCHYARD_BULKHEAD_REJECTED', 'full'))).toBe(
      'SWITCHYARD_BULKHEAD_REJECTED',
    );
    expect(errorTypeOf(Object.assign(new SwitchyardError('SWITCHYARD_HTTP_STATUS', 'HTTP 502'), { status: 502 }))).toBe(
      '502',
    );
    expect(errorTypeOf(new RangeError('x'))).toBe('RangeError');
    expect(errorTypeOf(new Error('plain'))).toBe('_OTHER');
    expect(errorTypeOf('a string')).toBe('_OTHER');
    expect(errorTypeOf({ code: 'has spaces in it' })).toBe('_OTHER');
  });
});

describe('redactSecrets', () => {
  it('scrubs URL credentials, token-like query values and secret headers, and caps the length', () => {
    const text = redactSecrets(
      'GET http://admin:hunter2@consul:8500/v1/health/service/cart?index=7&token=s3cr3t failed; X-Consul-Token: abc123, cookie=sid=1',
    );
    expect(text).toBe(
      'GET http://REDACTED:REDACTED@consul:8500/v1/health/service/cart?index=7&token=REDACTED failed; X-Consul-Token: REDACTED, cookie=REDACTED',
    );
    expect(redactSecrets('x'.repeat(1000)).length).toBeLessThanOrEqual(301);
  });
});
