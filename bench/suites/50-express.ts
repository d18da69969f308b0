// Requests per second of a bare Express 5 app against the same app with the switchyard()
// middleware, served from a worker thread and loaded with keep-alive node:http requests
// from the main thread, in interleaved rounds of the same run.

import { EventEmitter } from 'node:events';
import { Agent, request } from 'node:http';
import { Worker } from 'node:worker_threads';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient, StaticRegistry } from '@switchyard/core';
import { switchyard } from '@switchyard/express';
import express, { type RequestHandler } from 'express';
import { TestMetricReader } from '../../test/support/otel.js';
import { fmt, nsPerOp, ratio, type Suite, summarize, type Table } from '../harness.js';

const REQUESTS = 10_000;
const CONCURRENCY = 32;
const ROUNDS = 9;

const MICRO_OPS = 200_000;
const MICRO_ROUNDS = 7;

/**
 * The middleware's own cost per request, in process: a request object on Express's real
 * request prototype (so \`req.protocol\` and friends run their getters), a response that
 * is an EventEmitter, the middleware, then the response's 'close' (span end, metric).
 */
async function middlewareCost(): Promise<{
  table: Table;
  propertyNs: number;
  noopNs: number;
  offNs: number;
  sdkNs: number;
}> {
  const app = express();
  const client = createClient({ registry: new StaticRegistry() });
  const sdk = {
    tracerProvider: new BasicTracerProvider(),
    meterProvider: new MeterProvider({ readers: [new TestMetricReader()] }),
  };
  const handlers: Array<[string, RequestHandler]> = [
    ['pass-through middleware (baseline)', (_req, _res, next) => next()],
    [
      'pass-through that sets req.switchyard = {}',
      (req, _res, next) => {
        (req as { switchyard?: unknown }).switchyard = {};
        next();
      },
    ],
    ['switchyard(), no-op OTel API', switchyard({ client })],
    ['switchyard(), telemetry: false', switchyard({ client, telemetry: false })],
    ['switchyard(), metrics + trace SDK on', switchyard({ client, telemetry: sdk })],
  ];
  const socket = { encrypted: false, remoteAddress: '127.0.0.1' };
  const route = { path: '/items/:id' };
  let sink = 0;
  const next = () => {
    sink++;
  };
  const loop = (handler: RequestHandler) => (ops: number) => {
    for (let i = 0; i < ops; i++) {
      const res = Object.assign(new EventEmitter(), { writableFinished: true, headersSent: true, statusCode: 200 });
      // As Express's app.handle leaves it: `req.res` set, the prototype swapped.
      const req = Object.setPrototypeOf(
        {
          app,
          res,
          method: 'GET',
          url: '/items/42',
          originalUrl: '/items/42',
          baseUrl: '',
          route,
          httpVersion: '1.1',
          headers: { host: '127.0.0.1:3000', 'user-agent': 'bench' },
          socket,
          connection: socket,
        },
        app.request,
      );
      handler(req, res as never, next);
      res.emit('close');
    }
  };
  const samples = new Map<string, number[]>(handlers.map(([name]) => [name, []]));
  for (let round = 0; round < MICRO_ROUNDS; round++) {
    for (const [name, handler] of handlers) samples.get(name)?.push(nsPerOp(loop(handler), MICRO_OPS, 1).median);
  }
  await client.close();
  await sdk.tracerProvider.shutdown();
  await sdk.meterProvider.shutdown();
  if (sink === 0) throw new Error('the loop did nothing');
  const baseline = summarize(samples.get(handlers[0]?.[0] ?? '') ?? []).median;
  const added = (name: string) => summarize(samples.get(name) ?? []).median - baseline;
  return {
    table: {
      title: `Middleware cost per request, in process (${MICRO_ROUNDS} interleaved rounds × ${MICRO_OPS.toLocaleString('en-US')} requests)`,
      columns: ['variant', 'median ns/request', 'min', 'max', 'added ns'],
      rows: handlers.map(([name]) => {
        const t = summarize(samples.get(name) ?? []);
        return [
          name,
          fmt(t.median, 0),
          fmt(t.min, 0),
          fmt(t.max, 0),
          name === handlers[0]?.[0] ? '–' : fmt(added(name), 0),
        ];
      }),
    },
    propertyNs: added('pass-through that sets req.switchyard = {}'),
    noopNs: added('switchyard(), no-op OTel API'),
    offNs: added('switchyard(), telemetry: false'),
    sdkNs: added('switchyard(), metrics + trace SDK on'),
  };
}

interface Variant {
  readonly name: string;
  readonly key: string;
}

const VARIANTS: readonly Variant[] = [
  { name: 'bare express', key: 'bare' },
  { name: '+ switchyard(), no-op OTel API', key: 'middleware' },
  { name: '+ switchyard(), telemetry: false', key: 'middleware-off' },
  { name: '+ switchyard(), metrics + trace SDK on', key: 'middleware-sdk' },
];

interface Running {
  readonly worker: Worker;
  readonly port: number;
}

/** Event-loop busy time of the worker so far, in ms. */
function busyMs(worker: Worker): Promise<number> {
  return new Promise((resolve) => {
    worker.once('message', (message: { busyMs: number }) => resolve(message.busyMs));
    worker.postMessage('busy');
  });
}

async function startWorker(key: string): Promise<Running> {
  const worker = new Worker(new URL('../workers/expressServer.mjs', import.meta.url), { workerData: { variant: key } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (message: { port: number }) => resolve(message.port));
    worker.once('error', reject);
  });
  return { worker, port };
}

/** Sends `REQUESTS` GETs with `CONCURRENCY` in flight over keep-alive sockets; returns requests per second. */
async function load(port: number, agent: Agent): Promise<number> {
  let sent = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: `/items/${sent}`, agent }, (res) => {
        res.on('data', () => {});
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (sent < REQUESTS) {
      sent++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return REQUESTS / (Number(process.hrtime.bigint() - started) / 1e9);
}

const suite: Suite = {
  name: 'express',
  async run() {
    const micro = await middlewareCost();
    const running = new Map<string, Running>();
    const agents = new Map<string, Agent>();
    for (const v of VARIANTS) {
      running.set(v.key, await startWorker(v.key));
      agents.set(v.key, new Agent({ keepAlive: true, maxSockets: CONCURRENCY }));
    }
    const rates = new Map<string, number[]>(VARIANTS.map((v) => [v.key, []]));
    const ratios = new Map<string, number[]>(VARIANTS.map((v) => [v.key, []]));
    const busy = new Map<string, number[]>(VARIANTS.map((v) => [v.key, []]));
    // Warm-up: JIT, sockets.
    for (const v of VARIANTS) await load(running.get(v.key)?.port ?? 0, agents.get(v.key) as Agent);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      const thisRound = new Map<string, number>();
      for (const v of order) {
        const { worker, port } = running.get(v.key) as Running;
        const before = await busyMs(worker);
        const rate = await load(port, agents.get(v.key) as Agent);
        busy.get(v.key)?.push((((await busyMs(worker)) - before) * 1000) / REQUESTS);
        thisRound.set(v.key, rate);
        rates.get(v.key)?.push(rate);
      }
      const bare = thisRound.get('bare') ?? Number.NaN;
      for (const v of VARIANTS) ratios.get(v.key)?.push((thisRound.get(v.key) ?? Number.NaN) / bare);
    }
    for (const agent of agents.values()) agent.destroy();
    for (const { worker } of running.values()) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      await exited;
    }

    const busyBare = summarize(busy.get('bare') ?? []).median;
    const busyOf = (key: string) => summarize(busy.get(key) ?? []).median - busyBare;
    const rows = VARIANTS.map((v) => {
      const r = summarize(rates.get(v.key) ?? []);
      const q = summarize(ratios.get(v.key) ?? []);
      return [
        v.name,
        fmt(r.median, 0),
        `${fmt(r.min, 0)}–${fmt(r.max, 0)}`,
        ratio(q.median, 1),
        `${fmt(q.min, 2)}–${fmt(q.max, 2)}`,
        fmt(summarize(busy.get(v.key) ?? []).median, 1),
        v.key === 'bare' ? '–' : fmt(busyOf(v.key), 1),
      ];
    });
    const noopRange = summarize(ratios.get('middleware') ?? []);
    const noop = noopRange.median;
    const sdk = summarize(ratios.get('middleware-sdk') ?? []).median;
    return {
      title: 'Express adapter overhead',
      description: `
The first table times the middleware alone, in process: a request on Express's own request prototype (so
its getters run), the middleware, then the response's \`close\` (span end and metric), against a
pass-through middleware. The second measures whole requests:
the same Express 5 app (one \`GET /items/:id\` route answering a small JSON body) runs bare and
with \`switchyard()\` in front, each in its own worker thread; the main thread loads them with
${CONCURRENCY} concurrent keep-alive \`node:http\` requests, ${REQUESTS.toLocaleString('en-US')} per round,
${ROUNDS} rounds interleaved (order alternating), after a warm-up round. The route makes no downstream call,
so the numbers are the middleware's own cost: \`req.switchyard\`, trace-context extraction, the SERVER span
and the \`http.server.request.duration\` record. "No-op OTel API" is the default when no SDK is registered;
"SDK on" uses a \`BasicTracerProvider\` (no exporter) and a \`MeterProvider\` with a reader. The ratio is the
median of per-round ratios to the bare app in the same round. "Server busy" is the worker's event-loop
busy time (\`performance.eventLoopUtilization().active\`) per request, the server's own cost, which moves
less than throughput when other processes share the machine. The load suite measures the same app
loaded by autocannon from another process.
`,
      tables: [
        micro.table,
        {
          title: `Requests per second (${ROUNDS} interleaved rounds × ${REQUESTS.toLocaleString('en-US')} requests, concurrency ${CONCURRENCY})`,
          columns: [
            'variant',
            'median req/s',
            'req/s range',
            'vs bare (median)',
            'ratio range',
            'server busy µs/req',
            'added µs/req',
          ],
          rows,
        },
      ],
      notes: [
        `In process the middleware adds ${fmt(micro.noopNs / 1000, 2)} µs per request with the no-op OpenTelemetry API, ${fmt(micro.offNs / 1000, 2)} µs with \`telemetry: false\` (a middleware that adds one property, \`req.switchyard\`, to an Express request, whose prototype Express has swapped, pays ${fmt(micro.propertyNs / 1000, 2)} µs for that alone; \`switchyard()\` adds none: \`req.switchyard\` is a getter on Express's request prototype) and ${fmt(micro.sdkNs / 1000, 2)} µs with the trace and metrics SDKs recording.`,
        `Over HTTP, with the no-op OpenTelemetry API the app keeps ${ratio(noop, 1)} of the bare app's throughput (median of per-round ratios, range ${fmt(noopRange.min, 2)}–${fmt(noopRange.max, 2)}; server thread busy ${fmt(busyOf('middleware'), 1)} µs more per request). On a shared 2-core machine the spread between rounds is far larger than the in-process cost above, so read this as "within noise" unless the range excludes 1.`,
        `Over HTTP with the trace and metrics SDKs recording: ${ratio(sdk, 1)} (${fmt(busyOf('middleware-sdk'), 1)} µs more per request, mostly the SDK's span and histogram work).`,
      ],
    };
  },
};

export default suite;
