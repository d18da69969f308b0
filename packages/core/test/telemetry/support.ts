// A SwitchyardTelemetry wired to the shared in-memory SDK (test/support/otel.ts) and manual
// clocks, plus real clients it observes: the telemetry records only the events of the
// clients (and registries) it observes, so a test either drives a real client or publishes
// on a channel on behalf of one (`channels.X.publish({ client, ... })`).
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import type { BasicTracerProvider, ReadableSpan, Sampler } from '@opentelemetry/sdk-trace-base';
import {
  type ClientOptions,
  createClient,
  type InstanceInput,
  type ServiceClient,
  type ServiceRegistry,
  StaticRegistry,
  SwitchyardTelemetry,
  type SwitchyardTelemetryOptions,
} from '@switchyard/core';
import { ManualClock } from '../../../../test/support/clock.js';
import { createInMemoryOtel } from '../../../../test/support/otel.js';

export type { Histogram } from '@opentelemetry/sdk-metrics';
export { ManualClock } from '../../../../test/support/clock.js';
export { metricNamed, onePoint, pointsWhere, TestMetricReader } from '../../../../test/support/otel.js';

/** Options of `Harness.client`: client options, with the registry given or made from `instances`. */
export type HarnessClientOptions = Omit<ClientOptions, 'registry'> & {
  /** Default: a StaticRegistry of `instances`, closed by `shutdown()`. */
  readonly registry?: ServiceRegistry;
  /** Instances per service for the StaticRegistry made when no `registry` is given. */
  readonly instances?: Readonly<Record<string, readonly InstanceInput[]>>;
};

export interface Harness {
  readonly telemetry: SwitchyardTelemetry;
  readonly clock: ManualClock;
  readonly wallClock: ManualClock;
  readonly tracerProvider: BasicTracerProvider;
  spans(): ReadableSpan[];
  logs(): ReadableLogRecord[];
  /** Every metric of the latest collection, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  /**
   * A real client observed by this telemetry, on the harness clock (retries without
   * backoff unless `retry` says otherwise); closed by `shutdown()`.
   */
  client(options?: HarnessClientOptions): ServiceClient;
  /** Closes the clients and registries it made, then disposes the telemetry and the SDK. */
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
  const clients: ServiceClient[] = [];
  const registries: StaticRegistry[] = [];
  return {
    telemetry,
    clock,
    wallClock,
    tracerProvider: otel.tracerProvider,
    spans: () => otel.spans.ended,
    logs: () => otel.logs(),
    metrics: () => otel.metrics(),
    client(clientOptions = {}) {
      const { registry: given, instances = {}, ...rest } = clientOptions;
      let registry = given;
      if (registry === undefined) {
        const made = new StaticRegistry({ services: instances });
        registries.push(made);
        registry = made;
      }
      const client = createClient({
        retry: { initialDelayMs: 0, budget: false },
        ...rest,
        registry,
        telemetry,
        clock,
      });
      clients.push(client);
      return client;
    },
    async shutdown() {
      for (const client of clients.splice(0)) await client.close();
      for (const registry of registries.splice(0)) await registry.close();
      telemetry.dispose();
      await otel.shutdown();
    },
  };
}
