// The in-memory OpenTelemetry SDK every telemetry test reads back from: spans, metrics and
// log records are captured and read synchronously (or awaited on span ends, never on time);
// nothing is exported anywhere. Plus the helpers to find a metric's data points.
import { type Attributes, type Context, context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { type DataPoint, MeterProvider, type MetricData, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  type ReadableSpan,
  type Sampler,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** Registers the W3C propagator and an AsyncLocalStorage context manager, as an SDK would; returns the undo. */
export function installGlobalContext(): () => void {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  return () => {
    manager.disable();
    context.disable();
    propagation.disable();
  };
}

/** A reader whose only job is to let the test call `collect()` (cumulative temporality, the default). */
export class TestMetricReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** Collects ended spans in order and lets a test await one by predicate, woken by span ends. */
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

export interface InMemoryOtel {
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  readonly loggerProvider: LoggerProvider;
  /** Ended spans, in order. */
  readonly spans: SpanRecorder;
  /** Emitted log records, in order. */
  logs(): ReadableLogRecord[];
  /** Every metric of a fresh collection, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  shutdown(): Promise<void>;
}

export function createInMemoryOtel(options: { readonly sampler?: Sampler } = {}): InMemoryOtel {
  const spans = new SpanRecorder();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [spans],
    ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
  });
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  return {
    tracerProvider,
    meterProvider,
    loggerProvider,
    spans,
    logs: () => [...logExporter.getFinishedLogRecords()],
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
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    },
  };
}

/** The metric called `name`; fails the test when it is missing. */
export function metricNamed(metrics: Map<string, MetricData>, name: string): MetricData {
  const metric = metrics.get(name);
  if (metric === undefined) throw new Error(`metric ${name} was not recorded; got ${[...metrics.keys()].join(', ')}`);
  return metric;
}

/** Data points whose attributes include every pair in `match`. */
export function pointsWhere<T>(metric: MetricData, match: Attributes = {}): DataPoint<T>[] {
  const points = metric.dataPoints as DataPoint<T>[];
  return points.filter((point) => Object.entries(match).every(([key, value]) => point.attributes[key] === value));
}

/** The one data point matching `match` exactly on its keys; fails when there are zero or several. */
export function onePoint<T = number>(metric: MetricData, match: Attributes = {}): DataPoint<T> {
  const points = pointsWhere<T>(metric, match);
  if (points.length !== 1) {
    throw new Error(
      `expected one point of ${metric.descriptor.name} matching ${JSON.stringify(match)}, found ${points.length}: ${JSON.stringify(metric.dataPoints.map((p) => p.attributes))}`,
    );
  }
  return points[0] as DataPoint<T>;
}
