// NestJS 11 compiled to CommonJS by TypeScript 5.9 with `module: commonjs` (node10 resolution:
// the subpath entries resolve through typesVersions), the user's own SDK 2 providers registered
// by hand: the SDK 2 logs global is @opentelemetry/api-logs'.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { context, metrics, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type ServiceClient, StaticRegistry } from '@switchyard/core';
import { TELEMETRY_LOG_EVENTS } from '@switchyard/core/semconv';
import { InjectSwitchyardClient, SwitchyardLifecycle, SwitchyardModule } from '@switchyard/nestjs';
import { callMany, checkTelemetry, clientOptions, get, run, startBackends } from '../harness.cjs';

run(async () => {
  const spans = new InMemorySpanExporter();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const logExporter = new InMemoryLogRecordExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  trace.setGlobalTracerProvider(tracerProvider);
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  logs.setGlobalLoggerProvider(loggerProvider);

  const backends = await startBackends();
  const registry = new StaticRegistry({ services: { catalog: backends.instances, down: backends.down } });

  @Controller()
  class ShopController {
    constructor(@InjectSwitchyardClient() private readonly client: ServiceClient) {}
    @Get('checkout')
    async checkout(): Promise<string> {
      return (await this.client.fetch('catalog', '/item')).text();
    }
    @Get('down')
    async down(): Promise<string> {
      return (await this.client.fetch('down', '/item')).text();
    }
  }
  @Module({
    imports: [SwitchyardModule.forRoot({ registry, client: clientOptions, registration: { service: 'shop' } })],
    controllers: [ShopController],
  })
  class ShopModule {}

  const app = await NestFactory.create(ShopModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  await app.get(SwitchyardLifecycle).whenRegistered();
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  await callMany(`${url}/checkout`);
  const down = await get(`${url}/down`);
  if (down.status < 500) throw new Error(`/down answered ${down.status}, expected a 5xx`);
  await app.close();
  await backends.close();
  await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush(), loggerProvider.forceFlush()]);
  const logRecords = logExporter.getFinishedLogRecords();
  if (!logRecords.some((record) => record.eventName === TELEMETRY_LOG_EVENTS.instanceDeregistered))
    throw new Error('no deregistration log record');
  checkTelemetry(
    'nest11 (SDK 2, own providers)',
    { spans: spans.getFinishedSpans(), metrics: metricExporter.getMetrics(), logs: logRecords },
    { server: true },
  );
});
