// In-memory OpenTelemetry SDK pieces for telemetry tests: spans, metrics and log records
// are captured and read back synchronously; nothing is exported anywhere.
import type { Attributes } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type Clock, SwitchyardTelemetry, type SwitchyardTelemetryOptions } from '@switchyard/core';

/** A reader whose only job is to let the test call `collect()`. */
export class TestMetricReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(public time = 0) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface Harness {
  readonly telemetry: SwitchyardTelemetry;
  readonly clock: ManualClock;
  readonly wallClock: ManualClock;
  readonly spanExporter: InMemorySpanExporter;
  readonly logExporter: InMemoryLogRecordExporter;
  readonly tracerProvider: BasicTracerProvider;
  spans(): ReadableSpan[];
  logs(): ReturnType<InMemoryLogRecordExporter['getFinishedLogRecords']>;
  /** Every metric of the latest collection, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  shutdown(): Promise<void>;
}

export function createHarness(
  options: Omit<SwitchyardTelemetryOptions, 'tracerProvider' | 'meterProvider' | 'loggerProvider'> & {
    sampler?: Sampler;
  } = {},
): Harness {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spanExporter)],
    ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
  });
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  const clock = new ManualClock(1_000);
  const wallClock = new ManualClock(1_700_000_000_000);
  const { sampler: _sampler, ...rest } = options;
  const telemetry = new SwitchyardTelemetry({
    clock,
    wallClock,
    ...rest,
    tracerProvider,
    meterProvider,
    loggerProvider,
  });
  return {
    telemetry,
    clock,
    wallClock,
    spanExporter,
    logExporter,
    tracerProvider,
    spans: () => spanExporter.getFinishedSpans(),
    logs: () => logExporter.getFinishedLogRecords(),
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
      telemetry.dispose();
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

export type { Histogram };
