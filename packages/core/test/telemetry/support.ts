// A SwitchyardTelemetry wired to the shared in-memory SDK (test/support/otel.ts) and manual clocks.
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import type { BasicTracerProvider, ReadableSpan, Sampler } from '@opentelemetry/sdk-trace-base';
import { SwitchyardTelemetry, type SwitchyardTelemetryOptions } from '@switchyard/core';
import { ManualClock } from '../../../../test/support/clock.js';
import { createInMemoryOtel } from '../../../../test/support/otel.js';

export type { Histogram } from '@opentelemetry/sdk-metrics';
export { ManualClock } from '../../../../test/support/clock.js';
export { metricNamed, onePoint, pointsWhere, TestMetricReader } from '../../../../test/support/otel.js';

export interface Harness {
  readonly telemetry: SwitchyardTelemetry;
  readonly clock: ManualClock;
  readonly wallClock: ManualClock;
  readonly tracerProvider: BasicTracerProvider;
  spans(): ReadableSpan[];
  logs(): ReadableLogRecord[];
  /** Every metric of the latest collection, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  shutdown(): Promise<void>;
}

export function createHarness(
  options: Omit<SwitchyardTelemetryOptions, 'tracerProvider' | 'meterProvider' | 'loggerProvider'> & {
    sampler?: Sampler;
  } = {},
): Harness {
  const { sampler, ...rest } = options;
  const otel = createInMemoryOtel(sampler === undefined ? {} : { sampler });
  const clock = new ManualClock(1_000);
  const wallClock = new ManualClock(1_700_000_000_000);
  const telemetry = new SwitchyardTelemetry({
    clock,
    wallClock,
    ...rest,
    tracerProvider: otel.tracerProvider,
    meterProvider: otel.meterProvider,
    loggerProvider: otel.loggerProvider,
  });
  return {
    telemetry,
    clock,
    wallClock,
    tracerProvider: otel.tracerProvider,
    spans: () => otel.spans.ended,
    logs: () => otel.logs(),
    metrics: () => otel.metrics(),
    async shutdown() {
      telemetry.dispose();
      await otel.shutdown();
    },
  };
}
