// ConsulRegistry against a real Consul agent (dev mode on 127.0.0.1, built by
// tools/consul/build.sh): how fast a health change reaches subscribers, and what watching
// costs this process (CPU and heap) for one big service and for many small ones.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import type { ServiceSnapshot } from '@switchyard/core';
import { ConsulRegistry } from '@switchyard/core/consul';
import { type ConsulAgent, startConsul } from '../../test/support/consulAgent.js';
import { fmt, quantile, type Suite, type Table } from '../harness.js';

const CHANGES = 100;
const CHANGE_GAP_MS = 100;
const BURST_CHANGES = 30;
const BIG_SERVICE = 1_000;
const BIG_ROUNDS = 20;
const SMALL_SERVICES = 100;
const SMALL_INSTANCES = 10;
const SMALL_ROUNDS = 10;
const IDLE_MS = 2_000;
const WAIT_LIMIT_MS = 10_000;
const ALL = { health: ['passing', 'warning', 'critical'] as const };

async function api(agent: ConsulAgent, method: 'GET' | 'PUT', path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${agent.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(WAIT_LIMIT_MS),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}`);
}

/** Resolves when `predicate` holds for a snapshot `registry` delivers for `service`; bounded. */
function until(registry: ConsulRegistry, service: string, predicate: (s: ServiceSnapshot) => boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    let handle: { dispose(): void } | undefined;
    const timer = setTimeout(() => {
      handle?.dispose();
      reject(new Error(`${service}: no matching snapshot within ${WAIT_LIMIT_MS} ms`));
    }, WAIT_LIMIT_MS);
    handle = registry.watch(
      service,
      (snapshot) => {
        if (!predicate(snapshot)) return;
        const at = performance.now();
        clearTimeout(timer);
        queueMicrotask(() => handle?.dispose());
        resolve(at);
      },
      ALL,
    );
  });
}

function heapAfterGc(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

interface Propagation {
  readonly samples: number[];
  readonly putMs: number[];
}

/** Flips a TTL check between fail and pass and times how long until a watcher sees it. */
async function propagation(
  agent: ConsulAgent,
  registry: ConsulRegistry,
  changes: number,
  gapMs: number,
): Promise<Propagation> {
  const service = `bench-prop-${Math.random().toString(36).slice(2, 8)}`;
  const checkId = `service:${service}-1`;
  await api(agent, 'PUT', '/v1/agent/service/register', {
    ID: `${service}-1`,
    Name: service,
    Address: '127.0.0.1',
    Port: 9000,
    Check: { CheckID: checkId, TTL: '10m', Status: 'passing' },
  });
  let current = 'passing';
  const waiters: Array<{ health: string; resolve: (at: number) => void }> = [];
  const handle = registry.watch(
    service,
    (snapshot) => {
      const health = snapshot.instances[0]?.health;
      if (health === undefined) return;
      const at = performance.now();
      for (const w of waiters.splice(0)) {
        if (w.health === health) w.resolve(at);
        else waiters.push(w);
      }
    },
    ALL,
  );
  await until(registry, service, (s) => s.instances.length === 1);
  const samples: number[] = [];
  const putMs: number[] = [];
  for (let i = 0; i < changes; i++) {
    current = current === 'passing' ? 'critical' : 'passing';
    const target = current;
    const seen = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`change ${i} not seen`)), WAIT_LIMIT_MS);
      waiters.push({
        health: target,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      });
    });
    const start = performance.now();
    await api(
      agent,
      'PUT',
      `/v1/agent/check/${target === 'critical' ? 'fail' : 'pass'}/${encodeURIComponent(checkId)}`,
    );
    putMs.push(performance.now() - start);
    samples.push((await seen) - start);
    if (gapMs > 0) await delay(gapMs);
  }
  handle.dispose();
  await api(agent, 'PUT', `/v1/agent/service/deregister/${encodeURIComponent(`${service}-1`)}`);
  return { samples, putMs };
}

function row(label: string, values: readonly number[]): Array<string | number> {
  const sorted = [...values].sort((a, b) => a - b);
  return [
    label,
    sorted.length,
    fmt(quantile(sorted, 0.5)),
    fmt(quantile(sorted, 0.99)),
    fmt(sorted.at(-1) ?? Number.NaN),
  ];
}

interface ScaleResult {
  readonly label: string;
  readonly instances: number;
  readonly firstSnapshotMs: number;
  readonly heapBytes: number;
  readonly rounds: number;
  readonly cpuPerRoundMs: number;
  readonly wallPerRoundMs: number;
  readonly heapGrowthBytes: number;
  readonly idleCpuMs: number;
}

/**
 * A separate Node process that sends catalog writes for us, so that this process's CPU
 * time is the watcher's alone. Protocol: one JSON array of `{ path, body }` per stdin
 * line; it answers `ok` (or `error ...`) on stdout once all of them succeeded.
 */
const DRIVER = `
import { createInterface } from 'node:readline';
const base = process.argv[1];
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  try {
    const batch = JSON.parse(line);
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const { path, body } = batch[next++];
        const r = await fetch(base + path, { method: 'PUT', body: JSON.stringify(body) });
        await r.arrayBuffer();
        if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    process.stdout.write('ok\\n');
  } catch (error) {
    process.stdout.write('error ' + String(error).replace(/\\n/g, ' ') + '\\n');
  }
}
`;

interface Driver {
  send(batch: ReadonlyArray<{ path: string; body: unknown }>): Promise<void>;
  close(): void;
}

function startDriver(agent: ConsulAgent): Driver {
  const child = spawn(process.execPath, ['--input-type=module', '-e', DRIVER, agent.url], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const replies = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: Array<(line: string) => void> = [];
  replies.on('line', (line) => waiting.shift()?.(line));
  return {
    send: (batch) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('driver timed out')), WAIT_LIMIT_MS * 3);
        waiting.push((line) => {
          clearTimeout(timer);
          if (line === 'ok') resolve();
          else reject(new Error(`driver: ${line}`));
        });
        child.stdin?.write(`${JSON.stringify(batch)}\n`);
      }),
    close: () => {
      child.stdin?.end();
      child.kill();
    },
  };
}

/** Catalog registration of instance `i` of `service` on one of 20 external nodes. */
function catalogWrite(service: string, i: number, port: number, build: number): { path: string; body: unknown } {
  return {
    path: '/v1/catalog/register',
    body: {
      Node: `bench-node-${i % 20}`,
      Address: `10.0.${i % 20}.1`,
      Service: { ID: `${service}-${i}`, Service: service, Port: port, Tags: ['v1'], Meta: { build: String(build) } },
    },
  };
}

/**
 * Watches `services` (each with `perService` instances, registered in the catalog on 20
 * external nodes) with one registry, then runs `rounds` update rounds: in each, one
 * instance of every service changes a meta value and the round ends when every watcher
 * has seen its change. The writes come from a separate process.
 */
async function scale(
  driver: Driver,
  agent: ConsulAgent,
  label: string,
  services: string[],
  perService: number,
  rounds: number,
): Promise<ScaleResult> {
  const portOf = (s: number, i: number) => 20_000 + ((s * perService + i) % 40_000);
  await driver.send(
    services.flatMap((service, s) =>
      Array.from({ length: perService }, (_, i) => catalogWrite(service, i, portOf(s, i), 1)),
    ),
  );
  const heapBefore = heapAfterGc();
  const registry = new ConsulRegistry({ port: agent.port });
  const watches = services.map((service) => registry.watch(service, () => {}, ALL));
  const started = performance.now();
  await Promise.all(services.map((service) => until(registry, service, (s) => s.instances.length === perService)));
  const firstSnapshotMs = performance.now() - started;
  const heapBytes = heapAfterGc() - heapBefore;

  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let round = 1; round <= rounds; round++) {
    const build = round + 1;
    const changed = round % perService;
    const seen = services.map((service) =>
      until(registry, service, (s) => s.instances.some((i) => i.meta.build === String(build))),
    );
    await driver.send(services.map((service, s) => catalogWrite(service, changed, portOf(s, changed), build)));
    await Promise.all(seen);
  }
  const cpuPerRoundMs = cpuMs(cpuStart) / rounds;
  const wallPerRoundMs = (performance.now() - wallStart) / rounds;
  const heapGrowthBytes = heapAfterGc() - heapBefore - heapBytes;

  // Idle: every blocking query waits; nothing changes.
  const idleStart = process.cpuUsage();
  await delay(IDLE_MS);
  const idleCpuMs = cpuMs(idleStart);

  for (const w of watches) w.dispose();
  await registry.close();
  return {
    label,
    instances: services.length * perService,
    firstSnapshotMs,
    heapBytes,
    rounds,
    cpuPerRoundMs,
    wallPerRoundMs,
    heapGrowthBytes,
    idleCpuMs,
  };
}

const suite: Suite = {
  name: 'consul',
  async run() {
    const agent = await startConsul();
    try {
      const registry = new ConsulRegistry({ port: agent.port });
      const spaced = await propagation(agent, registry, CHANGES, CHANGE_GAP_MS);
      const burst = await propagation(agent, registry, BURST_CHANGES, 0);
      await registry.close();

      const driver = startDriver(agent);
      const big = await scale(
        driver,
        agent,
        `1 service × ${BIG_SERVICE.toLocaleString('en-US')} instances`,
        ['bench-big'],
        BIG_SERVICE,
        BIG_ROUNDS,
      );
      const small = await scale(
        driver,
        agent,
        `${SMALL_SERVICES} services × ${SMALL_INSTANCES} instances`,
        Array.from({ length: SMALL_SERVICES }, (_, i) => `bench-small-${i}`),
        SMALL_INSTANCES,
        SMALL_ROUNDS,
      );
      driver.close();

      const median = quantile(
        [...spaced.samples].sort((a, b) => a - b),
        0.5,
      );
      const propagationTable: Table = {
        title: 'Health change in Consul → watcher notified (ms, from the start of the check pass/fail request)',
        columns: ['changes', 'n', 'median', 'p99', 'max'],
        rows: [
          row(`spaced ${CHANGE_GAP_MS} ms apart`, spaced.samples),
          row('  the pass/fail request alone, for reference', spaced.putMs),
          row('back to back (rate limit engaged)', burst.samples),
        ],
      };
      const kb = (bytes: number) => fmt(bytes / 1024, 0);
      const scaleTable: Table = {
        title: `Watching: this process's cost (CPU = user + system from process.cpuUsage; heap after GC)`,
        columns: [
          'watched',
          'first snapshot (ms)',
          'heap held (KiB)',
          'CPU per update round (ms)',
          'wall per round (ms)',
          'heap growth after rounds (KiB)',
          `CPU while idle for ${IDLE_MS / 1000} s (ms)`,
        ],
        rows: [big, small].map((r) => [
          `${r.label} (${r.rounds} rounds)`,
          fmt(r.firstSnapshotMs, 0),
          kb(r.heapBytes),
          fmt(r.cpuPerRoundMs),
          fmt(r.wallPerRoundMs),
          kb(r.heapGrowthBytes),
          fmt(r.idleCpuMs),
        ]),
      };
      return {
        title: 'Consul registry',
        description: `
A real Consul 1.14 agent in dev mode on 127.0.0.1 (started by \`test/support/consulAgent.ts\`), and
\`ConsulRegistry\` with its defaults (30 s blocking wait, rate limit of 2 back-to-back queries then one per
50 ms). **Propagation**: a TTL check is failed and passed again through \`/v1/agent/check/fail|pass\`,
${CHANGES} times ${CHANGE_GAP_MS} ms apart, then ${BURST_CHANGES} times back to back; each sample runs from
the start of that request to the watcher's callback. **Watching**: one registry watches the services; an
update round changes one instance's meta in every watched service (a catalog write; instances live on 20
external nodes) and ends when every watcher has seen its change. The writes come from a separate Node
process, so the CPU and heap measured here are the watching registry's alone (the agent is a third process).`,
        tables: [propagationTable, scaleTable],
        notes: [
          `Propagation median ${fmt(median)} ms against a target of ≤ 50 ms: ${median <= 50 ? 'met' : 'NOT met'}.`,
          `Back-to-back changes are paced by the blocking-query rate limit (one query per 50 ms after a burst of 2), as Consul's docs advise; that, not Consul, sets their latency.`,
          `1,000 instances cost ${fmt(big.cpuPerRoundMs)} ms of CPU per change (parsing the whole answer and rebuilding the instances), ${fmt((big.cpuPerRoundMs / BIG_SERVICE) * 1000, 2)} µs per instance.`,
        ],
      };
    } finally {
      await agent.stop();
    }
  },
};

export default suite;
