// The whole client pipeline: its per-call overhead on an already-resolved call (with the
// no-op OpenTelemetry API, and with the metrics and trace SDKs on), and client.fetch
// against raw fetch on a local HTTP server (in a worker thread), in the same run.

import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  createClient,
  type Disposable,
  type ServiceClient,
  StaticRegistry,
  SWITCHYARD_CHANNELS,
  type SwitchyardChannelKey,
  SwitchyardTelemetry,
  subscribe,
} from '@switchyard/core';
import Opossum from 'opossum';
import { Agent } from 'undici';
import { TestMetricReader } from '../../test/support/otel.js';
import { fmt, interleaved, nsPerOpAsync, ratio, roundRatios, type Suite, summarize, type Table } from '../harness.js';

const OPS = 50_000;
const ROUNDS = 7;
const HTTP_REQUESTS = 4_000;
const HTTP_CONCURRENCY = 16;
const HTTP_ROUNDS = 5;

function makeClient(registry: StaticRegistry, telemetry: SwitchyardTelemetry | false): ServiceClient {
  return createClient({ registry, telemetry, balancer: 'peak-ewma' });
}

const one = Promise.resolve(1);

async function pipeline(): Promise<{ table: Table; notes: string[] }> {
  const registry = new StaticRegistry({
    services: { svc: Array.from({ length: 10 }, (_, i) => ({ host: '127.0.0.1', port: 10_000 + i })) },
  });
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const tracerProvider = new BasicTracerProvider();
  const variants: Array<{ name: string; run: (n: number) => Promise<void> }> = [];
  variants.push({
    name: 'baseline: await fn()',
    run: async (n) => {
      const fn = () => one;
      for (let i = 0; i < n; i++) await fn();
    },
  });
  // The peer for the whole pipeline: opossum's fire() alone, with its defaults.
  const opossum = new Opossum(() => one);
  variants.push({
    name: 'opossum fire() alone (defaults)',
    run: async (n) => {
      for (let i = 0; i < n; i++) await opossum.fire();
    },
  });
  const configs: Array<[string, SwitchyardTelemetry | false]> = [
    ['client.call, telemetry off', false],
    ['client.call, no-op OTel API', new SwitchyardTelemetry({})],
    ['client.call, metrics SDK on', new SwitchyardTelemetry({ meterProvider })],
    ['client.call, metrics + trace SDK on', new SwitchyardTelemetry({ meterProvider, tracerProvider })],
  ];
  const clients: ServiceClient[] = [];
  for (const [name, telemetry] of configs) {
    const client = makeClient(registry, telemetry);
    clients.push(client);
    await client.call('svc', () => one);
    variants.push({
      name,
      run: async (n) => {
        for (let i = 0; i < n; i++) await client.call('svc', () => one);
      },
    });
  }
  // The same client as "telemetry off", with a do-nothing subscriber on every channel: what observing costs.
  const observed = clients[0] as ServiceClient;
  let listening: Disposable[] = [];
  variants.push({
    name: 'client.call, telemetry off, every channel subscribed',
    run: async (n) => {
      listening = (Object.keys(SWITCHYARD_CHANNELS) as SwitchyardChannelKey[]).map((key) => subscribe(key, () => {}));
      try {
        for (let i = 0; i < n; i++) await observed.call('svc', () => one);
      } finally {
        for (const s of listening) s.dispose();
      }
    },
  });
  const samples = await interleaved(
    variants.map((v) => ({ name: v.name, run: async () => (await nsPerOpAsync(v.run, OPS, 1)).median })),
    ROUNDS,
  );
  for (const client of clients) await client.close();
  opossum.shutdown();
  await registry.close();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();

  const baseline = summarize(samples.get('baseline: await fn()') ?? []).median;
  const rows = variants.map((v) => {
    const t = summarize(samples.get(v.name) ?? []);
    return [v.name, fmt(t.median, 0), fmt(t.min, 0), fmt(t.max, 0), fmt(Math.max(0, t.median - baseline), 0)];
  });
  const overhead = (name: string) => summarize(samples.get(name) ?? []).median - baseline;
  const noop = overhead('client.call, no-op OTel API');
  const sdk = overhead('client.call, metrics SDK on');
  const traced = overhead('client.call, metrics + trace SDK on');
  const off = overhead('client.call, telemetry off');
  const subscribed = overhead('client.call, telemetry off, every channel subscribed');
  const whole = (name: string) => summarize(samples.get(name) ?? []).median;
  const noopWhole = whole('client.call, no-op OTel API');
  const vsOpossum = noopWhole / whole('opossum fire() alone (defaults)');
  const sdkRatio = whole('client.call, metrics SDK on') / noopWhole;
  const tracedRatio = whole('client.call, metrics + trace SDK on') / noopWhole;
  return {
    table: {
      title: `Pipeline overhead per call (10 instances, peak-EWMA, breakers, retry + budget, 10 s timeout; ${ROUNDS} interleaved rounds × ${OPS.toLocaleString('en-US')} calls)`,
      columns: ['variant', 'median ns/call', 'min', 'max', 'overhead ns'],
      rows,
    },
    notes: [
      `Overhead with the no-op API: ${fmt(noop / 1000, 2)} µs per call (target ≤ 2 µs: ${noop <= 2000 ? 'met' : 'NOT met'}).`,
      `With the metrics SDK on: ${fmt(sdk / 1000, 2)} µs; with metrics and a recording trace SDK: ${fmt(traced / 1000, 2)} µs.`,
      `Whole call with the no-op API against opossum's fire() alone (defaults): ${fmt(noopWhole, 0)} / ${fmt(whole('opossum fire() alone (defaults)'), 0)} ns = ${fmt(vsOpossum, 2)}× (target ≤ 1.0×: ${vsOpossum <= 1 ? 'met' : 'NOT met'}).`,
      `Whole call with the metrics SDK / with the no-op API: ${fmt(sdkRatio, 2)}× (target ≤ 1.5×: ${sdkRatio <= 1.5 ? 'met' : 'NOT met'}); with metrics and traces: ${fmt(tracedRatio, 2)}× (target ≤ 2.5×: ${tracedRatio <= 2.5 ? 'met' : 'NOT met'}).`,
      `Events: with no subscriber a channel costs one \`hasSubscribers\` check; a do-nothing subscriber on every channel adds ${fmt((subscribed - off) / 1000, 2)} µs per call (${fmt(subscribed / 1000, 2)} vs ${fmt(off / 1000, 2)} µs with telemetry off).`,
    ],
  };
}

async function fetchThroughput(): Promise<{ table: Table; notes: string[] }> {
  const worker = new Worker(new URL('../workers/plainServer.mjs', import.meta.url));
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (message: { port: number }) => resolve(message.port));
    worker.once('error', reject);
  });
  const registry = new StaticRegistry({ services: { svc: [{ host: '127.0.0.1', port }] } });
  const client = createClient({ registry, telemetry: new SwitchyardTelemetry({}) });
  const url = `http://127.0.0.1:${port}/items`;

  /** Requests per second, and main-thread busy µs per request (the client's own CPU). */
  const load = async (send: () => Promise<unknown>): Promise<{ rate: number; busyUs: number }> => {
    let next = 0;
    const elu = performance.eventLoopUtilization();
    const started = process.hrtime.bigint();
    const loop = async () => {
      while (next < HTTP_REQUESTS) {
        next++;
        await send();
      }
    };
    await Promise.all(Array.from({ length: HTTP_CONCURRENCY }, loop));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = performance.eventLoopUtilization(elu);
    return { rate: HTTP_REQUESTS / seconds, busyUs: (used.active * 1000) / HTTP_REQUESTS };
  };
  // Every variant reads the whole body, as a caller would.
  const agent = new Agent();
  const origin = `http://127.0.0.1:${port}`;
  const variants: Array<[string, () => Promise<unknown>]> = [
    ['raw fetch', () => fetch(url).then((res) => res.arrayBuffer())],
    [
      'raw fetch with an AbortSignal',
      () => fetch(url, { signal: new AbortController().signal }).then((res) => res.arrayBuffer()),
    ],
    ['client.fetch (no-op OTel API)', () => client.fetch('svc', '/items').then((res) => res.arrayBuffer())],
    [
      'raw undici.request (own Agent)',
      () => agent.request({ origin, path: '/items', method: 'GET' }).then((res) => res.body.arrayBuffer()),
    ],
    ['client.request (no-op OTel API)', () => client.request('svc', '/items').then((res) => res.body.arrayBuffer())],
  ];
  const results = await interleaved(
    variants.map(([name, send]) => ({ name, run: () => load(send) })),
    HTTP_ROUNDS,
  );
  const rates = new Map([...results].map(([name, runs]) => [name, runs.map((r) => r.rate)]));
  const busy = new Map([...results].map(([name, runs]) => [name, runs.map((r) => r.busyUs)]));
  const ratioOf = (name: string, peer: string) => summarize(roundRatios(rates.get(name) ?? [], rates.get(peer) ?? []));
  const ratios = roundRatios(rates.get('client.fetch (no-op OTel API)') ?? [], rates.get('raw fetch') ?? []);
  const requestVsFetch = ratioOf('client.request (no-op OTel API)', 'raw fetch');
  const undiciVsFetch = ratioOf('raw undici.request (own Agent)', 'raw fetch');
  const requestVsUndici = ratioOf('client.request (no-op OTel API)', 'raw undici.request (own Agent)');
  await agent.close();
  await client.close();
  await registry.close();
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.postMessage('close');
  await exited;

  const ratioT = summarize(ratios);
  const busyOf = (name: string) => summarize(busy.get(name) ?? []).median;
  const extraUs = busyOf('client.fetch (no-op OTel API)') - busyOf('raw fetch');
  const signalUs = busyOf('raw fetch with an AbortSignal') - busyOf('raw fetch');
  return {
    table: {
      title: `client.fetch and client.request vs raw fetch and raw undici.request (server in a worker thread, keep-alive, concurrency ${HTTP_CONCURRENCY}, ${HTTP_ROUNDS} interleaved rounds × ${HTTP_REQUESTS.toLocaleString('en-US')} requests)`,
      columns: ['variant', 'median req/s', 'min', 'max', 'client thread µs/request'],
      rows: variants.map(([name]) => {
        const t = summarize(rates.get(name) ?? []);
        return [name, fmt(t.median, 0), fmt(t.min, 0), fmt(t.max, 0), fmt(busyOf(name), 1)];
      }),
    },
    notes: [
      `client.fetch reaches ${ratio(ratioT.median, 1)} of raw fetch throughput (median of per-round ratios; range ${fmt(ratioT.min, 2)}–${fmt(ratioT.max, 2)}); target ≥ 1.0×: ${ratioT.median >= 1 ? 'met' : 'NOT met'}.`,
      `client.request reaches ${ratio(requestVsFetch.median, 1)} of raw fetch throughput (range ${fmt(requestVsFetch.min, 2)}–${fmt(requestVsFetch.max, 2)}; target ≥ 2×: ${requestVsFetch.median >= 2 ? 'met' : 'NOT met'}) and ${ratio(requestVsUndici.median, 1)} of raw undici.request (range ${fmt(requestVsUndici.min, 2)}–${fmt(requestVsUndici.max, 2)}); raw undici.request is ${ratio(undiciVsFetch.median, 1)} raw fetch.`,
      `On the client's thread client.request costs ${fmt(busyOf('client.request (no-op OTel API)') - busyOf('raw undici.request (own Agent)'), 1)} µs more per request than raw undici.request.`,
      `On the client's thread client.fetch costs ${fmt(extraUs, 1)} µs per request more than raw fetch (negative: less; it sends over the client's undici agent with no AbortSignal per attempt), while raw fetch given an AbortSignal, as a timeout on fetch would need, costs ${fmt(signalUs, 1)} µs more than without.`,
    ],
  };
}

const suite: Suite = {
  name: 'client',
  async run() {
    const p = await pipeline();
    const f = await fetchThroughput();
    return {
      title: 'Client pipeline',
      description: `
Every call goes through the full stack: registry snapshot, breaker-filtered instance list,
balancer pick, per-instance breaker, retry with budget, per-attempt timeout and
telemetry. The function called returns an already-resolved promise, so the numbers are
the pipeline's own cost. "Overhead" subtracts the baseline of awaiting the same function
directly. The HTTP table compares \`client.fetch\` with \`fetch\` against the same local
server in alternating rounds.
`,
      tables: [p.table, f.table],
      notes: [...p.notes, ...f.notes],
    };
  },
};

export default suite;
