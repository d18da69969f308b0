// Express 4 in CommonJS JavaScript: require() of the packages, startTelemetry on SDK 2,
// the README's route shape (try/catch + next, since Express 4 does not catch rejections),
// and a route whose every upstream is down must answer 5xx, not end the process.
'use strict';
const { StaticRegistry } = require('@switchyard/core');
const { startTelemetry } = require('@switchyard/core/telemetry');
const { switchyard, switchyardErrorHandler, registerOnListen } = require('@switchyard/express');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace');
const {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} = require('@opentelemetry/sdk-metrics');
const { InMemoryLogRecordExporter, SimpleLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const express = require('express');
const { startBackends, clientOptions, get, callMany, checkTelemetry, run } = require('./harness.cjs');

run(async () => {
  const spans = new InMemorySpanExporter();
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const logs = new InMemoryLogRecordExporter();
  const telemetry = await startTelemetry({
    serviceName: 'consumer-express4',
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
  for (const [path, service] of [
    ['/checkout', 'catalog'],
    ['/down', 'down'],
  ]) {
    app.get(path, async (req, res, next) => {
      try {
        const upstream = await req.switchyard.fetch(service, '/item');
        res.status(upstream.status).send(await upstream.text());
      } catch (error) {
        next(error);
      }
    });
  }
  app.use(switchyardErrorHandler());
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const lifecycle = registerOnListen(server, { registry, registration: { service: 'shop' } });
  await lifecycle.registered;
  const url = `http://127.0.0.1:${server.address().port}`;

  await callMany(`${url}/checkout`);
  const down = await get(`${url}/down`);
  if (down.status < 500) throw new Error(`/down answered ${down.status}, expected a 5xx`);

  await lifecycle.shutdown();
  await sy.close();
  await backends.close();
  await telemetry.forceFlush();
  checkTelemetry(
    'express4-cjs (SDK 2, startTelemetry)',
    { spans: spans.getFinishedSpans(), metrics: metrics.getMetrics(), logs: logs.getFinishedLogRecords() },
    { server: true },
  );
  await telemetry.shutdown();
});
