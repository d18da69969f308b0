// Starts toy instances of a "catalog" service on 127.0.0.1, finds them through a
// StaticRegistry and calls them through a Switchyard client (balancer, per-instance
// breakers, retries with a budget, timeouts) while a live table shows what each
// instance sees and what each breaker decides. One instance is slow; another fails
// for the middle third of the run and then heals. Metrics are served for Prometheus.
import { performance } from 'node:perf_hooks';
import { createClient, SlidingWindowBreaker, StaticRegistry } from '@switchyard/core';
import { startTelemetry } from '@switchyard/core/telemetry';
import { Dashboard } from './dashboard.js';
import { parseOptions } from './options.js';
import { InstanceStats } from './stats.js';
import { startToyInstance, type ToyInstance } from './toyService.js';

const SERVICE = 'catalog';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) return;

  const telemetry = await startTelemetry({
    serviceName: 'switchyard-demo',
    exporter: { traces: 'none', metrics: 'prometheus', logs: 'none' },
    prometheus: { port: options.metricsPort },
    diagLogLevel: 'error',
  });

  const toys: ToyInstance[] = [];
  for (let i = 0; i < options.instances; i++) {
    // Instance 1 is ten times slower than the rest; instance 2 fails for the middle third of the run.
    toys.push(await startToyInstance(`${SERVICE}-${i}`, { latencyMs: i === 1 ? 50 : 5 }));
  }
  const events: string[] = [];
  let sent = 0;
  let done = 0;
  const started = performance.now();
  const registry = new StaticRegistry({
    services: { [SERVICE]: toys.map((t) => ({ id: t.name, host: '127.0.0.1', port: t.port })) },
  });
  const client = createClient({
    registry,
    balancer: options.balancer,
    timeoutMs: 1_000,
    retry: { maxAttempts: 3, initialDelayMs: 5 },
    // A factory instead of options, so the demo can log every transition as it happens.
    breaker: (_service, instance) => {
      const breaker = new SlidingWindowBreaker({
        slidingWindowSize: 20,
        minimumNumberOfCalls: 10,
        waitDurationInOpenState: 1_000,
        permittedNumberOfCallsInHalfOpenState: 3,
      });
      breaker.onStateChange((change) => {
        const at = ((performance.now() - started) / 1000).toFixed(1);
        events.push(`${at}s ${instance.id}: ${change.from} → ${change.to} (${change.reason})`);
      });
      return breaker;
    },
  });
  const failing = toys[2] as ToyInstance;
  const caller = new InstanceStats();

  const dashboard = new Dashboard();
  const draw = (final = false) => {
    const runtime = client.runtime(SERVICE);
    const rows = toys.map((t) => {
      const instance = { id: t.name } as Parameters<NonNullable<typeof runtime.breakers>['get']>[0];
      const state = runtime.breakers?.get(instance).state ?? 'closed';
      const s = t.stats;
      const note = t.behaviour.failWith ? 'failing' : t.behaviour.latencyMs > 5 ? 'slow' : '';
      return {
        cells: [
          t.name,
          String(s.requests),
          String(s.inFlight),
          fmtMs(s.percentile(0.5)),
          fmtMs(s.percentile(0.99)),
          String(s.errors),
          state,
          note,
        ],
      };
    });
    const elapsed = (performance.now() - started) / 1000;
    dashboard.render(
      `Switchyard demo: ${SERVICE} × ${toys.length} via ${options.balancer}; ${done}/${options.requests} requests in ${elapsed.toFixed(1)} s`,
      ['instance', 'requests', 'in-flight', 'p50 ms', 'p99 ms', '5xx sent', 'breaker', ''],
      rows,
      [
        '',
        `caller saw: ${caller.requests} responses, ${caller.errors} errors, p50 ${fmtMs(caller.percentile(0.5))} ms, p99 ${fmtMs(caller.percentile(0.99))} ms`,
        `metrics: ${telemetry.metricsUrl ?? 'off'}`,
        ...events.slice(-6),
      ],
      final,
    );
  };
  const timer = setInterval(draw, 100);

  const send = async (n: number): Promise<void> => {
    const t0 = performance.now();
    let ok = false;
    try {
      const res = await client.fetch(SERVICE, `/items/${n % 97}`);
      await res.arrayBuffer();
      ok = res.ok;
    } catch {
      ok = false;
    }
    caller.record(performance.now() - t0, ok);
  };
  const worker = async () => {
    while (sent < options.requests) {
      const n = sent++;
      // Pace the run so it lasts long enough to watch a breaker open, probe and close.
      const due = started + (n * 1000) / options.rate - performance.now();
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      if (n === Math.floor(options.requests / 3)) failing.behaviour.failWith = 500;
      if (n === Math.floor((2 * options.requests) / 3)) delete failing.behaviour.failWith;
      await send(n);
      done++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  clearInterval(timer);
  draw(true);
  await client.close();
  await registry.close();
  await Promise.all(toys.map((t) => t.close()));
  await telemetry.shutdown();
}

function fmtMs(value: number): string {
  return Number.isNaN(value) ? '-' : value.toFixed(1);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
