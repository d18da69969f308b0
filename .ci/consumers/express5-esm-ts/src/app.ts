// Express 5, ESM TypeScript under `tsc --strict` (module nodenext, skipLibCheck off, so our
// declarations and the SDK 3 ones must check), startTelemetry with only SDK 3 installed.
import type { AddressInfo } from 'node:net';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { StaticRegistry } from '@switchyard/core';
import { startTelemetry } from '@switchyard/core/telemetry';
import { registerOnListen, switchyard, switchyardErrorHandler } from '@switchyard/express';
import express from 'express';
import harness from '../harness.cjs';

const { callMany, checkTelemetry, clientOptions, get, run, startBackends } = harness;

run(async () => {
  const spans = new InMemorySpanExporter();
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const logs = new InMemoryLogRecordExporter();
  const telemetry = await startTelemetry({
    serviceName: 'consumer-express5',
    exporter: 'none',
    diagLogLevel: 'none',
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    metricReaders: [new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 })],
    logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: logs })],
  });

  const backends = await startBackends();
  const registry = new StaticRegistry({ services: { catalog: backends.instances, down: backends.down } });
  const app = express();
  const sy = switchyard({ clientOptions: { ...clientOptions, registry } });
  app.use(sy);
  // Express 5 passes a rejected handler's error to the error handler itself.
  app.get('/checkout', async (req, res) => {
    const upstream = await req.switchyard.fetch('catalog', '/item');
    res.status(upstream.status).send(await upstream.text());
  });
  app.get('/down', async (req, res) => {
    const upstream = await req.switchyard.fetch('down', '/item');
    res.status(upstream.status).send(await upstream.text());
  });
  app.use(switchyardErrorHandler());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const lifecycle = registerOnListen(server, { registry, registration: { service: 'shop' } });
  await lifecycle.registered;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await callMany(`${url}/checkout`);
  const down = await get(`${url}/down`);
  if (down.status < 500) throw new Error(`/down answered ${down.status}, expected a 5xx`);

  await lifecycle.shutdown();
  await sy.close();
  await backends.close();
  await telemetry.forceFlush();
  checkTelemetry(
    'express5-esm-ts (SDK 3, startTelemetry)',
    { spans: spans.getFinishedSpans(), metrics: metrics.getMetrics(), logs: logs.getFinishedLogRecords() },
    { server: true },
  );
  await telemetry.shutdown();
});
