// Test helpers for the NestJS adapter: real downstream HTTP servers on 127.0.0.1, a Nest
// application built with @nestjs/testing and listening on port 0, a logger that records,
// and in-memory OpenTelemetry pieces whose waits are driven by span ends (no sleeping).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Context } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, type MetricData, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface Downstream {
  readonly port: number;
  /** Requests received, in order. */
  readonly requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
  /** Status of the next answers. */
  status: number;
  close(): Promise<void>;
}

/** A real HTTP service answering `{ from, url }` as JSON with `status`. */
export async function startDownstream(name: string): Promise<Downstream> {
  const requests: Downstream['requests'] = [];
  const state = { status: 200 };
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.writeHead(state.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ from: name, url: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    get status() {
      return state.status;
    },
    set status(value: number) {
      state.status = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Records what Nest and Switchyard log, by level. */
export class RecordingLogger implements LoggerService {
  readonly entries: Array<{ level: string; message: string }> = [];
  log(message: unknown): void {
    this.entries.push({ level: 'log', message: String(message) });
  }
  error(message: unknown): void {
    this.entries.push({ level: 'error', message: String(message) });
  }
  warn(message: unknown): void {
    this.entries.push({ level: 'warn', message: String(message) });
  }
  debug(): void {}
  verbose(): void {}
  messages(level: string): string[] {
    return this.entries.filter((e) => e.level === level).map((e) => e.message);
  }
}

export interface RunningApp {
  readonly app: INestApplication;
  readonly url: string;
  readonly port: number;
  readonly logger: RecordingLogger;
}

/** Compiles `metadata`, runs `beforeListen` (e.g. `app.use`), listens on 127.0.0.1 port 0. */
export async function startApp(
  metadata: ModuleMetadata,
  beforeListen?: (app: INestApplication) => void,
  logger = new RecordingLogger(),
): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule(metadata).setLogger(logger).compile();
  const app = moduleRef.createNestApplication({ logger });
  beforeListen?.(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, port, logger };
}

/** Collects ended spans and lets a test await one by predicate, woken by span ends. */
export class SpanRecorder implements SpanProcessor {
  readonly ended: ReadableSpan[] = [];
  private waiters: Array<{ match: (span: ReadableSpan) => boolean; resolve: (span: ReadableSpan) => void }> = [];

  onStart(_span: Span, _context: Context): void {}
  onEnd(span: ReadableSpan): void {
    this.ended.push(span);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(span)) return true;
      w.resolve(span);
      return false;
    });
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** The first ended span matching `match`, now or when it ends. */
  waitFor(match: (span: ReadableSpan) => boolean): Promise<ReadableSpan> {
    const found = this.ended.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}

class TestMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface OtelHarness {
  readonly spans: SpanRecorder;
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  /** Every metric of a fresh collection, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  shutdown(): Promise<void>;
}

export function createOtelHarness(): OtelHarness {
  const spans = new SpanRecorder();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [spans] });
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    spans,
    tracerProvider,
    meterProvider,
    async metrics() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      }
      return byName;
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

/** Counts finished responses, so a test can wait until the server is done with a request. */
export interface ResponseTracker {
  /** Resolves once `n` responses have finished (their `finish` listeners, added later, have run). */
  finished(n: number): Promise<void>;
}

/** Installs a middleware (call it before listen, before other middlewares) that counts finished responses. */
export function trackResponses(app: INestApplication): ResponseTracker {
  let count = 0;
  let waiters: Array<{ n: number; resolve: () => void }> = [];
  app.use((_req: unknown, res: { once(event: 'finish', listener: () => void): void }, next: () => void) => {
    res.once('finish', () => {
      count++;
      // Resolved promises run after this emit has called every finish listener.
      waiters = waiters.filter((w) => {
        if (count < w.n) return true;
        w.resolve();
        return false;
      });
    });
    next();
  });
  return {
    finished: (n) => (count >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}
