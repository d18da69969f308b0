// The user's own SDK 2 through NodeSDK (sdk-node 0.223 registers its logger provider on
// @opentelemetry/api-logs), @switchyard/core's client alone from CommonJS, opossum 9 breakers.
'use strict';
const { StaticRegistry, createClient } = require('@switchyard/core');
const { OpossumBreaker } = require('@switchyard/core/opossum');
const { InMemoryLogRecordExporter, SimpleLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} = require('@opentelemetry/sdk-metrics');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { checkTelemetry, clientOptions, run, startBackends } = require('./harness.cjs');

run(async () => {
  const spans = new InMemorySpanExporter();
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const logs = new InMemoryLogRecordExporter();
  const sdk = new NodeSDK({
    serviceName: 'consumer-sdk2-node',
    spanProcessors: [new SimpleSpanProcessor(spans)],
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
    // opossum 9 (10 on Node 26) through the adapter: opens after 2 failures in its window.
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
  checkTelemetry(`sdk2-node (SDK 2 NodeSDK, opossum ${require('opossum/package.json').version})`, {
    spans: finishedSpans,
    metrics: metrics.getMetrics(),
    logs: logRecords,
  });
});
