// Case 11 of issue 8: series of departed instances, breakers and registries must not stay
// exported at their last value, and the series set must stay bounded while instances churn.
// Read back with the SDK's own readers, one cumulative (what Prometheus and most OTLP
// pipelines use) and one delta, both on one MeterProvider, so every collection is seen the
// way each kind of pipeline sees it.

import {
  AggregationTemporality,
  type DataPoint,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  createClient,
  createInstance,
  type InstanceInput,
  type ServiceClient,
  StaticRegistry,
  SwitchyardTelemetry,
} from '@switchyard/core';
import { TELEMETRY_METRICS as M } from '@switchyard/core/semconv';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../test/support/clock.js';
import { channels } from '../../src/events/channels.js';

class Reader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** Every data point of a fresh collection, by metric name. */
async function collect(reader: MetricReader): Promise<Map<string, DataPoint<number>[]>> {
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
  const byName = new Map<string, DataPoint<number>[]>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics as MetricData[]) {
      byName.set(metric.descriptor.name, metric.dataPoints as DataPoint<number>[]);
    }
  }
  return byName;
}

const points = (metrics: Map<string, DataPoint<number>[]>, name: string) => metrics.get(name) ?? [];
/** Breakers per state, summed over the series (before the fix there was one series set per instance). */
function byState(metrics: Map<string, DataPoint<number>[]>): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const p of points(metrics, M.breakerState.name)) {
    const state = String(p.attributes['switchyard.circuit_breaker.state']);
    sums[state] = (sums[state] ?? 0) + p.value;
  }
  return sums;
}

interface Setup {
  readonly cumulative: Reader;
  readonly delta: Reader;
  readonly telemetry: SwitchyardTelemetry;
  readonly clock: ManualClock;
  readonly provider: MeterProvider;
}

let setup: Setup | undefined;
const clients: ServiceClient[] = [];
const registries: StaticRegistry[] = [];

function start(): Setup {
  const cumulative = new Reader();
  const delta = new Reader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  const provider = new MeterProvider({ readers: [cumulative, delta] });
  const clock = new ManualClock(1_000);
  const telemetry = new SwitchyardTelemetry({ meterProvider: provider, clock, wallClock: clock });
  setup = { cumulative, delta, telemetry, clock, provider };
  return setup;
}

function client(s: Setup, registry: StaticRegistry): ServiceClient {
  const made = createClient({
    registry,
    telemetry: s.telemetry,
    clock: s.clock,
    retry: false,
    balancer: 'round-robin',
    // One failure opens a breaker; it stays open for the whole test.
    breaker: { slidingWindowSize: 1, minimumNumberOfCalls: 1, waitDurationInOpenState: 60_000 },
  });
  clients.push(made);
  return made;
}

function registryOf(instances: readonly InstanceInput[]): StaticRegistry {
  const made = new StaticRegistry({ services: { cart: instances } });
  registries.push(made);
  return made;
}

const at = (id: string): InstanceInput => ({ id, host: '127.0.0.1', port: 1 });

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const r of registries.splice(0)) await r.close();
  setup?.telemetry.dispose();
  await setup?.provider.shutdown();
  setup = undefined;
});

describe('case 11: bounded memory and honest series', () => {
  it('2,000 instances that come and go leave one series set per service, not one per instance ever seen', async () => {
    const s = start();
    const registry = registryOf([at('cart-0')]);
    const c = client(s, registry);
    const fleet = 2_000;
    for (let i = 0; i < fleet; i++) {
      registry.set('cart', [at(`cart-${i}`)]);
      // Every instance answers once and fails, so its breaker opens and it is ejected.
      await expect(c.call('cart', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
      // Scraped while it lives, as a Prometheus server scraping often enough would.
      await collect(s.cumulative);
    }
    const metrics = await collect(s.cumulative);
    const counts = {
      picks: points(metrics, M.balancerPicks.name).length,
      state: points(metrics, M.breakerState.name).length,
      transitions: points(metrics, M.breakerTransitions.name).length,
      ejections: points(metrics, M.instanceEjections.name).length,
    };
    console.log('case 11 series after 2,000 departed instances (cumulative)', counts);
    expect(counts).toEqual({ picks: 1, state: 4, transitions: 1, ejections: 1 });
    // Totals are all still there, and the gauges describe the one live instance.
    expect(points(metrics, M.balancerPicks.name)[0]!.value).toBe(fleet);
    expect(points(metrics, M.breakerTransitions.name)[0]!.value).toBe(fleet);
    expect(points(metrics, M.instanceEjections.name)[0]!.value).toBe(fleet);
    expect(byState(metrics)).toEqual({ closed: 0, open: 1, half_open: 0, isolated: 0 });
    expect(points(metrics, M.instancesEjected.name).map((p) => p.value)).toEqual([1]);
  });

  it('a crashed instance whose breaker is open leaves open=0 once it is gone, not open=1 forever', async () => {
    const s = start();
    const registry = registryOf([at('cart-1'), at('cart-2')]);
    const c = client(s, registry);
    // cart-1 crashes: its calls fail and its breaker opens; cart-2 answers.
    const crashed = (instance: { readonly id: string }) =>
      instance.id === 'cart-1' ? Promise.reject(new Error('crash')) : Promise.resolve('ok');
    for (let i = 0; i < 2; i++) await c.call('cart', crashed).catch(() => undefined);
    let metrics = await collect(s.cumulative);
    await collect(s.delta);
    expect(byState(metrics)).toMatchObject({ open: 1, closed: 1 });
    // The registry drops it (deregistered, or its health check went critical and was filtered).
    registry.set('cart', [at('cart-2')]);
    metrics = await collect(s.cumulative);
    const open = points(metrics, M.breakerState.name).filter(
      (p) => p.attributes['switchyard.circuit_breaker.state'] === 'open',
    );
    console.log(
      'case 11 open series after the open instance left (cumulative)',
      open.map((p) => [p.attributes, p.value]),
    );
    expect(open.map((p) => p.value)).toEqual([0]);
    expect(byState(metrics)).toEqual({ closed: 1, open: 0, half_open: 0, isolated: 0 });
    expect(points(metrics, M.instancesEjected.name).map((p) => p.value)).toEqual([0]);
    // Delta pipelines get the way down (-1) once, then nothing for the departed state.
    const delta = await collect(s.delta);
    expect(
      points(delta, M.breakerState.name)
        .filter((p) => p.attributes['switchyard.circuit_breaker.state'] === 'open')
        .map((p) => p.value),
    ).toEqual([-1]);
  });

  it('breakers disposed with their client: their state series go to 0 once, then are no longer reported', async () => {
    const s = start();
    const registry = registryOf([at('cart-1')]);
    const c = client(s, registry);
    await expect(c.call('cart', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(byState(await collect(s.cumulative))).toMatchObject({ open: 1 });
    expect(points(await collect(s.delta), M.breakerState.name).length).toBe(4);

    await c.close();
    let metrics = await collect(s.cumulative);
    expect(byState(metrics)).toEqual({ closed: 0, open: 0, half_open: 0, isolated: 0 });
    expect(points(metrics, M.instancesEjected.name).map((p) => p.value)).toEqual([0]);
    // Delta readers get each state's change to 0 once (open: -1).
    expect(byState(await collect(s.delta))).toEqual({ closed: 0, open: -1, half_open: 0, isolated: 0 });
    // From then on nothing is observed for them: delta readers see no point at all.
    metrics = await collect(s.delta);
    expect(points(metrics, M.breakerState.name)).toEqual([]);
    expect(points(metrics, M.instancesEjected.name)).toEqual([]);
  });

  it('client close() with the telemetry disposed too: the last collection still reports 0, then the callback goes', async () => {
    const s = start();
    const registry = registryOf([at('cart-1')]);
    const c = client(s, registry);
    await expect(c.call('cart', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(byState(await collect(s.cumulative))).toMatchObject({ open: 1 });
    await collect(s.delta);

    await c.close();
    s.telemetry.dispose();
    const metrics = await collect(s.cumulative);
    expect(byState(metrics)).toEqual({ closed: 0, open: 0, half_open: 0, isolated: 0 });
    expect(byState(await collect(s.delta))).toEqual({ closed: 0, open: -1, half_open: 0, isolated: 0 });
    expect(points(await collect(s.delta), M.breakerState.name)).toEqual([]);
  });

  it('registry close(): stale and the instance counts go to 0 once instead of staying stale=1', async () => {
    const s = start();
    const registry = registryOf([at('cart-1'), at('cart-2')]);
    s.telemetry.observeRegistry(registry);
    // The registry loses its source and serves what it last knew.
    channels.registrySnapshot.publish({
      registry,
      service: 'cart',
      snapshot: {
        service: 'cart',
        version: 2,
        instances: [createInstance(at('cart-1'), 'cart'), createInstance(at('cart-2'), 'cart')],
        updatedAt: s.clock.now(),
        stale: true,
      },
    });
    let metrics = await collect(s.cumulative);
    await collect(s.delta);
    expect(points(metrics, M.registryStale.name).map((p) => p.value)).toEqual([1]);

    await registry.close();
    metrics = await collect(s.cumulative);
    console.log(
      'case 11 registry series after close() (cumulative)',
      points(metrics, M.registryStale.name).map((p) => p.value),
    );
    expect(points(metrics, M.registryStale.name).map((p) => p.value)).toEqual([0]);
    expect(points(metrics, M.registryInstances.name).map((p) => p.value)).toEqual([0, 0, 0]);
    const delta = await collect(s.delta);
    expect(points(delta, M.registryStale.name).map((p) => p.value)).toEqual([-1]);
    expect(points(delta, M.registryInstances.name).map((p) => p.value)).toEqual([-2, 0, 0]);
    const after = await collect(s.delta);
    expect(points(after, M.registryStale.name)).toEqual([]);
    expect(points(after, M.registryStaleness.name)).toEqual([]);
  });
});
