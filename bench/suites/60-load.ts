// Whole requests from a separate process: autocannon in the bench process loads servers
// in child processes, so the load generator shares neither an event loop nor a heap
// with what it measures. Express with and without switchyard(), and a caller service
// that calls a backend with raw fetch / client.fetch / raw undici.request / client.request.

import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { fmt, interleaved, ratio, roundRatios, type Suite, summarize, type Table } from '../harness.js';
import { cpuMs, forkWorker, stopChild } from '../support/children.js';

const ROUNDS = 5;
const SECONDS = 3;
/** The warm-up run of each variant (JIT, sockets) is shorter than a measured one. */
const WARMUP_SECONDS = 2;
const CONNECTIONS = 32;

interface Variant {
  readonly name: string;
  /** Script in bench/workers and its arguments. */
  readonly script: string;
  readonly args: readonly string[];
  /** The row this one is compared with, round by round. */
  readonly peer?: string;
}

interface Run {
  readonly rate: number;
  readonly p99Ms: number;
  /** CPU of the child under load (user + system) per request: its own cost, which moves less than throughput. */
  readonly cpuUsPerRequest: number;
  readonly failures: number;
}

const BARE = 'bare Express 5';
const NOOP = '+ switchyard({ client }), no-op OTel API';
const SDK = '+ switchyard({ client, telemetry }), trace + metrics SDKs recording';
const EXPRESS: readonly Variant[] = [
  { name: BARE, script: 'expressServer.mjs', args: ['bare'] },
  { name: NOOP, script: 'expressServer.mjs', args: ['middleware'], peer: BARE },
  { name: SDK, script: 'expressServer.mjs', args: ['middleware-sdk'], peer: BARE },
];

const FETCH = 'raw fetch';
const CLIENT_FETCH = 'client.fetch (no-op OTel API)';
const UNDICI = 'raw undici.request (own Agent)';
const CLIENT_REQUEST = 'client.request (no-op OTel API)';
function callers(backendPort: number): Variant[] {
  const port = String(backendPort);
  return [
    { name: FETCH, script: 'loadCaller.mjs', args: ['fetch', port] },
    { name: CLIENT_FETCH, script: 'loadCaller.mjs', args: ['client.fetch', port], peer: FETCH },
    { name: UNDICI, script: 'loadCaller.mjs', args: ['undici', port], peer: FETCH },
    { name: CLIENT_REQUEST, script: 'loadCaller.mjs', args: ['client.request', port], peer: UNDICI },
  ];
}

async function cannon(child: ChildProcess, url: string, seconds: number): Promise<Run> {
  const before = await cpuMs(child);
  const result = await autocannon({ url, connections: CONNECTIONS, pipelining: 1, duration: seconds });
  const after = await cpuMs(child);
  const requests = result.requests.total;
  return {
    rate: requests / result.duration,
    p99Ms: result.latency.p99,
    cpuUsPerRequest: ((after - before) * 1000) / requests,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

interface GroupResult {
  readonly table: Table;
  /** Median over rounds of this row's rate ÷ that row's rate in the same round. */
  readonly vs: (name: string, other: string) => number;
}

/** Starts every variant's child, loads them in interleaved rounds, and stops them all, also on error. */
async function group(title: string, variants: readonly Variant[], path: string): Promise<GroupResult> {
  const children = new Map<string, { child: ChildProcess; port: number }>();
  let results: Map<string, Run[]>;
  try {
    for (const v of variants) {
      const { child, first } = await forkWorker<{ port: number }>(v.script, { args: v.args });
      children.set(v.name, { child, port: first.port });
    }
    const warmed = new Set<string>();
    results = await interleaved(
      variants.map((v) => ({
        name: v.name,
        run: () => {
          const { child, port } = children.get(v.name) as { child: ChildProcess; port: number };
          // interleaved() calls each run once first as its warm-up.
          const seconds = warmed.has(v.name) ? SECONDS : WARMUP_SECONDS;
          warmed.add(v.name);
          return cannon(child, `http://127.0.0.1:${port}${path}`, seconds);
        },
      })),
      ROUNDS,
    );
  } finally {
    await Promise.all([...children.values()].map(({ child }) => stopChild(child)));
  }
  const rates = (name: string) => (results.get(name) ?? []).map((r) => r.rate);
  const vs = (name: string, other: string) => summarize(roundRatios(rates(name), rates(other))).median;
  const rows = variants.map((v) => {
    const runs = results.get(v.name) ?? [];
    const r = summarize(rates(v.name));
    const q = v.peer === undefined ? undefined : summarize(roundRatios(rates(v.name), rates(v.peer)));
    return [
      v.name,
      fmt(r.median, 0),
      fmt(r.min, 0),
      fmt(r.max, 0),
      q === undefined ? '–' : `${ratio(q.median, 1)} ${v.peer}`,
      q === undefined ? '–' : `${fmt(q.min, 2)}–${fmt(q.max, 2)}`,
      fmt(summarize(runs.map((x) => x.p99Ms)).median, 0),
      fmt(summarize(runs.map((x) => x.cpuUsPerRequest)).median, 1),
      runs.reduce((sum, x) => sum + x.failures, 0).toLocaleString('en-US'),
    ];
  });
  return {
    table: {
      title,
      columns: [
        'variant',
        'median req/s',
        'min',
        'max',
        'vs peer (median of per-round ratios)',
        'ratio range',
        'p99 ms (median)',
        'child CPU µs/req',
        'errors + non-2xx',
      ],
      rows,
    },
    vs,
  };
}

/** Three digits, so a ratio just under its target does not print as the target itself. */
const target = (value: number, min: number) =>
  `${fmt(value, 3)}× (target ≥ ${fmt(min, 2)}×: ${value >= min ? 'met' : 'NOT met'})`;

const suite: Suite = {
  name: 'load',
  async run() {
    const rounds = `${ROUNDS} interleaved rounds × ${SECONDS} s, ${CONNECTIONS} keep-alive connections`;
    const express = await group(`Express from another process (${rounds})`, EXPRESS, '/items/1');
    const { child: backend, first } = await forkWorker<{ port: number }>('plainServer.mjs');
    let client: GroupResult;
    try {
      client = await group(
        `A caller service's GET /x making one backend call per request (${rounds})`,
        callers(first.port),
        '/x',
      );
    } finally {
      await stopChild(backend);
    }
    return {
      title: 'HTTP load from a separate process (autocannon)',
      description: `
autocannon runs in the bench process; every server under test is a child process (\`child_process.fork\` of
a plain-JS worker in \`bench/workers/\` importing the built packages), so the load generator shares neither an
event loop nor a heap with it. Variants are loaded one after another in every round, after a ${WARMUP_SECONDS} s
warm-up each; "vs peer" is the median over rounds of this row's req/s ÷ its peer's in the same round, which is
robust to load that changes between rounds. "Child CPU" is the server child's user + system CPU per request
(\`process.cpuUsage()\`), its own cost, which moves less than throughput on a shared machine.

The Express rows serve one \`GET /items/:id\` route answering a small JSON body (the app of the express suite);
"SDKs recording" is a \`BasicTracerProvider\` (no exporter) and a \`MeterProvider\` with a reader. In the caller
rows a plain \`node:http\` backend runs in its own child and a caller child per variant answers \`GET /x\` after
one backend call that reads the whole body; the caller's CPU per request is the client's cost. On this
2-core machine autocannon, the caller and the backend share two cores, so the caller rows measure the
whole path, not the client alone.
`,
      tables: [express.table, client.table],
      notes: [
        `Express with \`switchyard()\` and the no-op API keeps ${target(express.vs(NOOP, BARE), 0.97)} of the bare app's throughput.`,
        `Express with \`switchyard()\` and both SDKs recording keeps ${target(express.vs(SDK, BARE), 0.85)}.`,
        `client.fetch reaches ${target(client.vs(CLIENT_FETCH, FETCH), 1)} of raw fetch.`,
        `client.request reaches ${target(client.vs(CLIENT_REQUEST, FETCH), 2)} of raw fetch, and ${ratio(client.vs(CLIENT_REQUEST, UNDICI), 1)} of raw undici.request (which is ${ratio(client.vs(UNDICI, FETCH), 1)} raw fetch).`,
      ],
    };
  },
};

export default suite;
