// The user's own SDK 3 through NodeSDK (sdk-node 0.30x registers its logger provider on
// @opentelemetry/api's `logs`), @switchyard/core's client alone, with opossum 10 breakers.

import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { createClient, StaticRegistry } from '@switchyard/core';
import { OpossumBreaker } from '@switchyard/core/opossum';
import harness from './harness.cjs';

const { checkTelemetry, clientOptions, run, startBackends } = harness;

run(async () => {
  const spans = new InMemorySpanExporter();
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const logs = new InMemoryLogRecordExporter();
  const sdk = new NodeSDK({
    serviceName: 'consumer-sdk3-node',
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    metricReaders: [new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 })],
    logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: logs })],
    instrumentations: [],
    resourceDetectors: [],
  });
  sdk.start();

  const backends = await startBackends();
  const registry = new StaticRegistry({ services: { catalog: backends.instances } });
  const client = createClient({
    ...clientOptions,
    registry,
    // opossum 10 through the adapter: opens after 2 failures in its window.
    breaker: () => new OpossumBreaker({ errorThresholdPercentage: 40, volumeThreshold: 2, resetTimeout: 60_000 }),
  });
  for (let i = 0; i < 6; i++) {
    const res = await client.fetch('catalog', '/item');
    if (res.status !== 200) throw new Error(`call ${i + 1}: status ${res.status}`);
    await res.text();
  }
  await client.close();
  await backends.close();
  // Simple processors export spans and records as they end; the in-memory exporters forget
  // them on shutdown, which is what makes the reader export its last metric collection.
  const finishedSpans = spans.getFinishedSpans();
  const logRecords = logs.getFinishedLogRecords();
  await sdk.shutdown();
  checkTelemetry('sdk3-node (SDK 3 NodeSDK, opossum 10)', {
    spans: finishedSpans,
    metrics: metrics.getMetrics(),
    logs: logRecords,
  });
});
