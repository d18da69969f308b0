// The client feeds adaptive balancers: one start and one end per attempt, with the
// attempt's latency on the client's clock and whether it succeeded.

import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  type Balancer,
  type CallOutcome,
  type Clock,
  createClient,
  type Instance,
  RoundRobinBalancer,
  StaticRegistry,
  SwitchyardTelemetry,
} from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { TestMetricReader } from '../../../../test/support/otel.js';

/** Round-robin that writes down the feedback it gets. */
class RecordingBalancer implements Balancer {
  readonly name = 'recording';
  readonly events: string[] = [];
  private readonly inner = new RoundRobinBalancer();
  pick(instances: readonly Instance[], ctx: { service: string }): Instance {
    return this.inner.pick(instances, ctx);
  }
  onCallStart(instance: Instance): void {
    this.events.push(`start ${instance.id}`);
  }
  readonly outcomes: CallOutcome[] = [];
  onCallEnd(instance: Instance, outcome: CallOutcome): void {
    this.outcomes.push(outcome);
    this.events.push(`end ${instance.id} ${outcome.latencyMs}ms ${outcome.ok ? 'ok' : 'failed'}`);
  }
}

const registries: StaticRegistry[] = [];
afterEach(async () => {
  for (const r of registries.splice(0)) await r.close();
});

/** A static registry with instances of `cart` under these ids (never contacted). */
function registryOf(...ids: string[]): StaticRegistry {
  const registry = new StaticRegistry({
    services: { cart: ids.map((id, i) => ({ id, host: '127.0.0.1', port: i + 1 })) },
  });
  registries.push(registry);
  return registry;
}

describe('balancer feedback', () => {
  it('reports every attempt, retries included, with its latency and outcome', async () => {
    const registry = registryOf('a', 'b');
    let time = 0;
    const clock: Clock = { now: () => time };
    const balancer = new RecordingBalancer();
    const client = createClient({
      registry,
      clock,
      telemetry: false,
      breaker: false,
      balancer: () => balancer,
      retry: { initialDelayMs: 0, budget: false },
    });
    const value = await client.call('cart', async (instance) => {
      time += instance.id === 'a' ? 7 : 3;
      if (instance.id === 'a') throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      return instance.id;
    });
    expect(value).toBe('b');
    expect(balancer.events).toEqual(['start a', 'end a 7ms failed', 'start b', 'end b 3ms ok']);
    // Issue 10, item 6: the end time on the client's clock goes with it, so peak-EWMA reads no clock of its own.
    expect(balancer.outcomes.map((o) => [o.endMs, o.clock === clock])).toEqual([
      [7, true],
      [10, true],
    ]);
    await client.close();
  });

  it("decays peak-EWMA's estimates on the client's clock, so a once-slow instance is tried again", async () => {
    const registry = registryOf('a', 'b');
    let time = 0;
    const client = createClient({
      registry,
      clock: { now: () => time },
      telemetry: false,
      breaker: false,
      retry: false,
      balancer: 'peak-ewma',
    });
    const picked: string[] = [];
    for (let i = 0; i < 120; i++) {
      await client.call('cart', async (instance) => {
        picked.push(instance.id);
        time += instance.id === 'a' && picked.filter((id) => id === 'a').length === 1 ? 1_000 : 5;
      });
      time += 1_000; // a quiet second between calls
    }
    // a was slow once, then b took everything until a's estimate had decayed below b's:
    // that takes about a minute of the client's time, which only passes on the client's clock.
    const first = picked.indexOf('a');
    const again = picked.indexOf('a', first + 1);
    expect(picked.slice(first + 1, first + 11)).toEqual(Array(10).fill('b'));
    expect(again).toBeGreaterThan(first + 10);
    await client.close();
  });

  it('reads no clock for a plain call unless a metrics SDK records its duration', async () => {
    const registry = registryOf('a');
    let reads = 0;
    const clock: Clock = {
      now: () => {
        reads++;
        return 0;
      },
    };
    const bare = { registry, clock, breaker: false, retry: false, timeoutMs: false, balancer: 'round-robin' } as const;
    const quiet = createClient({ ...bare, telemetry: new SwitchyardTelemetry({ clock }) });
    await quiet.call('cart', async () => 1);
    expect(reads).toBe(0);
    const meterProvider = new MeterProvider({ readers: [new TestMetricReader()] });
    const recorded = createClient({ ...bare, telemetry: new SwitchyardTelemetry({ clock, meterProvider }) });
    await recorded.call('cart', async () => 1);
    expect(reads).toBe(2);
    await quiet.close();
    await recorded.close();
    await meterProvider.shutdown();
  });
});

describe('a balancer hook that throws', () => {
  it('loses its feedback, not the call, and is reported as a warning', async () => {
    const registry = registryOf('a');
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    const balancer = new RecordingBalancer();
    balancer.onCallStart = () => {
      throw new Error('start broke');
    };
    balancer.onCallEnd = () => {
      throw new Error('end broke');
    };
    const client = createClient({ registry, telemetry: false, breaker: false, retry: false, balancer: () => balancer });
    try {
      // Before: the attempt failed with the hook's error (and was counted as the instance's).
      await expect(client.call('cart', async () => 'answered')).resolves.toBe('answered');
      // The warnings are emitted on a later tick.
      for (let i = 0; i < 10 && warnings.length < 2; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([
        expect.stringContaining('balancer onCallStart threw: Error: start broke'),
        expect.stringContaining('balancer onCallEnd threw: Error: end broke'),
      ]);
    } finally {
      process.off('warning', onWarning);
      await client.close();
    }
  });
});
