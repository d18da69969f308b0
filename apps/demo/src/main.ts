// Starts toy instances of a "catalog" service on 127.0.0.1, finds them through a
// StaticRegistry, sends a bounded stream of requests through the chosen balancer and
// shows a live table per instance. One instance is slow; another fails for a while.
import { performance } from 'node:perf_hooks';
import { type Balancer, createBalancer, StaticRegistry } from '@switchyard/core';
import { Dashboard } from './dashboard.js';
import { parseOptions } from './options.js';
import { InstanceStats } from './stats.js';
import { startToyInstance, type ToyInstance } from './toyService.js';

const SERVICE = 'catalog';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) return;

  const toys: ToyInstance[] = [];
  for (let i = 0; i < options.instances; i++) {
    // Instance 1 is ten times slower than the rest; instance 2 fails for the middle third of the run.
    toys.push(await startToyInstance(`${SERVICE}-${i}`, { latencyMs: i === 1 ? 50 : 5 }));
  }
  const registry = new StaticRegistry({
    services: { [SERVICE]: toys.map((t) => ({ id: t.name, host: '127.0.0.1', port: t.port })) },
  });
  const balancer: Balancer = createBalancer(options.balancer);
  const stats = new Map(toys.map((t) => [t.name, new InstanceStats()]));
  const dashboard = new Dashboard();
  const failing = toys[2] as ToyInstance;

  let sent = 0;
  let done = 0;
  const started = performance.now();
  const draw = (final = false) => {
    const rows = toys.map((t) => {
      const s = stats.get(t.name) as InstanceStats;
      const note = t === failing && failing.behaviour.failWith ? 'failing' : t.behaviour.latencyMs > 5 ? 'slow' : '';
      return {
        cells: [
          t.name,
          String(s.requests),
          String(s.inFlight),
          fmtMs(s.percentile(0.5)),
          fmtMs(s.percentile(0.99)),
          String(s.errors),
          note,
        ],
      };
    });
    const elapsed = (performance.now() - started) / 1000;
    dashboard.render(
      `Switchyard demo: ${SERVICE} × ${toys.length} via ${options.balancer}; ${done}/${options.requests} requests in ${elapsed.toFixed(1)} s`,
      ['instance', 'requests', 'in-flight', 'p50 ms', 'p99 ms', 'errors', ''],
      rows,
      [],
      final,
    );
  };
  const timer = setInterval(draw, 100);

  const send = async (key: string): Promise<void> => {
    const snapshot = await registry.resolve(SERVICE);
    const instance = balancer.pick(snapshot.instances, { service: SERVICE, key });
    const s = stats.get(instance.id) as InstanceStats;
    s.inFlight++;
    balancer.onCallStart?.(instance);
    const t0 = performance.now();
    let ok = false;
    try {
      const res = await fetch(`http://${instance.host}:${instance.port}/items/${key}`);
      await res.arrayBuffer();
      ok = res.ok;
    } catch {
      ok = false;
    }
    const latencyMs = performance.now() - t0;
    balancer.onCallEnd?.(instance, { latencyMs, ok });
    s.inFlight--;
    s.record(latencyMs, ok);
  };

  const worker = async () => {
    while (sent < options.requests) {
      const n = sent++;
      if (n === Math.floor(options.requests / 3)) failing.behaviour.failWith = 500;
      if (n === Math.floor((2 * options.requests) / 3)) delete failing.behaviour.failWith;
      await send(`user-${n % 97}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  clearInterval(timer);
  draw(true);
  await registry.close();
  await Promise.all(toys.map((t) => t.close()));
}

function fmtMs(value: number): string {
  return Number.isNaN(value) ? '-' : value.toFixed(1);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
