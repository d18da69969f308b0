// Case 13: SwitchyardTelemetry and startTelemetry refuse bad options with a ConfigError naming the option.
import { metrics, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SwitchyardTelemetry, type SwitchyardTelemetryOptions } from '@switchyard/core';
import { type StartTelemetryOptions, startTelemetry, type TelemetryHandle } from '@switchyard/core/telemetry';
import fc from 'fast-check';
import { describe } from 'vitest';
import { at, badChoice, badNumber, junk, MAX_TIMER, optionProperties, unknownKeyAt } from './support.js';

const notProvider = fc.oneof(junk('object'), fc.constant({}));
const clock = { now: () => 0 };

describe('case 13: SwitchyardTelemetry options', () => {
  const keys = [
    'tracerProvider',
    'meterProvider',
    'loggerProvider',
    'httpInstrumentation',
    'knownHttpMethods',
    'clock',
    'wallClock',
    'logIntervalMs',
  ];
  const valid: fc.Arbitrary<SwitchyardTelemetryOptions> = fc.record(
    {
      tracerProvider: fc.constant(trace.getTracerProvider()),
      meterProvider: fc.constant(metrics.getMeterProvider()),
      loggerProvider: fc.constant(logs.getLoggerProvider()),
      httpInstrumentation: fc.constantFrom('auto', 'switchyard', 'external' as const),
      knownHttpMethods: fc.subarray(['GET', 'POST', 'QUERY']),
      clock: fc.constant(clock),
      wallClock: fc.constant(clock),
      logIntervalMs: fc.integer({ min: 0, max: 1e6 }),
    },
    { requiredKeys: [] },
  );
  optionProperties({
    valid,
    build: (o) => new SwitchyardTelemetry(o),
    dispose: (t) => (t as SwitchyardTelemetry).dispose(),
    invalid: fc.oneof(
      at([], junk('object'), 'telemetry'),
      at(['tracerProvider'], notProvider, 'telemetry.tracerProvider'),
      at(['meterProvider'], notProvider, 'telemetry.meterProvider'),
      at(['loggerProvider'], notProvider, 'telemetry.loggerProvider'),
      at(['httpInstrumentation'], badChoice(['auto', 'switchyard', 'external']), 'telemetry.httpInstrumentation'),
      at(['knownHttpMethods'], fc.oneof(junk('array'), fc.constant([1])), 'telemetry.knownHttpMethods'),
      at(['clock'], notProvider, 'telemetry.clock'),
      at(['wallClock'], notProvider, 'telemetry.wallClock'),
      at(['logIntervalMs'], badNumber(0, Number.POSITIVE_INFINITY), 'telemetry.logIntervalMs'),
      unknownKeyAt([], keys, 'telemetry'),
    ),
  });
});

describe('case 13: startTelemetry options', () => {
  const keys = [
    'serviceName',
    'serviceVersion',
    'serviceInstanceId',
    'resourceAttributes',
    'exporter',
    'otlp',
    'prometheus',
    'metricExportIntervalMs',
    'sampler',
    'spanProcessors',
    'metricReaders',
    'logRecordProcessors',
    'diagLogLevel',
    'registerGlobals',
  ];
  const KINDS = ['console', 'otlp', 'prometheus', 'none'];
  // Nothing exported, nothing registered globally, no scrape server: constructing only.
  const valid: fc.Arbitrary<StartTelemetryOptions> = fc
    .record(
      {
        serviceVersion: fc.stringMatching(/^[0-9]\.[0-9]$/),
        serviceInstanceId: fc.uuid(),
        resourceAttributes: fc.dictionary(
          fc.stringMatching(/^[a-z.]{1,8}$/),
          fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 })),
          { maxKeys: 2 },
        ),
        otlp: fc.record(
          {
            endpoint: fc.constantFrom('http://127.0.0.1:4318', 'https://otel.example/'),
            headers: fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), fc.string(), { maxKeys: 2 }),
            timeoutMillis: fc.integer({ min: 1, max: MAX_TIMER }),
          },
          { requiredKeys: [] },
        ),
        prometheus: fc.record(
          {
            host: fc.constantFrom('127.0.0.1', '::1', 'localhost'),
            port: fc.integer({ min: 0, max: 65535 }),
            endpoint: fc.constantFrom('/metrics', 'm'),
          },
          { requiredKeys: [] },
        ),
        metricExportIntervalMs: fc.integer({ min: 1, max: MAX_TIMER }),
        spanProcessors: fc.constant([new SimpleSpanProcessor(new InMemorySpanExporter())]),
      },
      { requiredKeys: [] },
    )
    .map((o) => ({
      ...o,
      serviceName: 'fuzz',
      exporter: 'none' as const,
      diagLogLevel: 'none' as const,
      registerGlobals: false,
    }));
  optionProperties({
    valid,
    build: (o) => startTelemetry(o),
    dispose: (h) => (h as TelemetryHandle).shutdown(),
    invalid: fc.oneof(
      at([], junk('object'), 'options'),
      at(['serviceName'], fc.oneof(junk('string'), fc.constantFrom('', ' ')), 'serviceName'),
      at(['serviceVersion'], fc.oneof(junk('string'), fc.constant('')), 'serviceVersion'),
      at(['serviceInstanceId'], fc.oneof(junk('string'), fc.constant('')), 'serviceInstanceId'),
      at(['resourceAttributes'], junk('object'), 'resourceAttributes'),
      at(
        ['resourceAttributes', 'k'],
        fc.oneof(fc.constant(null), fc.constant({}), fc.constant(Number.NaN), fc.constant([{}])),
        'resourceAttributes.k',
      ),
      at(['exporter'], fc.oneof(junk('string', 'object'), fc.constant('zipkin')), 'exporter'),
      at(['exporter', 'traces'], badChoice(KINDS), 'exporter.traces'),
      unknownKeyAt(['exporter'], ['traces', 'metrics', 'logs'], 'exporter'),
      at(['otlp'], junk('object'), 'otlp'),
      at(
        ['otlp', 'endpoint'],
        fc.oneof(junk('string'), fc.constantFrom('', 'localhost:4318', 'ftp://x', 'not a url')),
        'otlp.endpoint',
      ),
      at(['otlp', 'headers', 'h'], junk('string'), 'otlp.headers.h'),
      at(['otlp', 'timeoutMillis'], badNumber(1, MAX_TIMER), 'otlp.timeoutMillis'),
      unknownKeyAt(['otlp'], ['endpoint', 'headers', 'timeoutMillis'], 'otlp'),
      at(['prometheus'], junk('object'), 'prometheus'),
      at(['prometheus', 'host'], fc.oneof(junk('string'), fc.constantFrom('', 'a b', 'h:1')), 'prometheus.host'),
      at(['prometheus', 'port'], badNumber(0, 65535, { integer: true }), 'prometheus.port'),
      unknownKeyAt(['prometheus'], ['host', 'port', 'endpoint'], 'prometheus'),
      at(['metricExportIntervalMs'], badNumber(1, MAX_TIMER), 'metricExportIntervalMs'),
      at(['sampler'], notProvider, 'sampler'),
      at(['spanProcessors'], junk('array'), 'spanProcessors'),
      at(['spanProcessors', 0], notProvider, 'spanProcessors[0]'),
      at(['metricReaders', 0], notProvider, 'metricReaders[0]'),
      at(['logRecordProcessors', 0], notProvider, 'logRecordProcessors[0]'),
      at(['diagLogLevel'], badChoice(['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all']), 'diagLogLevel'),
      at(['registerGlobals'], junk('boolean'), 'registerGlobals'),
      unknownKeyAt([], keys, ''),
    ),
  });
});
