// Case 13: the server layer both adapters share (`@switchyard/core/server`) refuses bad
// lifecycle and server-telemetry options with a ConfigError naming the option.
import { metrics, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { StaticRegistry } from '@switchyard/core';
import {
  HttpServerTelemetry,
  type HttpServerTelemetryOptions,
  registerOnListen,
  type ServerLifecycle,
  type ServerLifecycleOptions,
} from '@switchyard/core/server';
import fc from 'fast-check';
import { afterAll, describe } from 'vitest';
import { at, badChoice, badNumber, junk, MAX_TIMER, optionProperties, unknownKeyAt } from './support.js';

const notProvider = fc.oneof(junk('object'), fc.constant({}));
const registry = new StaticRegistry();
afterAll(() => registry.close());

const LIFECYCLE_KEYS = [
  'registry',
  'registration',
  'drainTimeoutMs',
  'deregisterDelayMs',
  'signals',
  'exitOnSignal',
  'closeRegistry',
  'onShutdown',
  'onError',
  'loggerProvider',
  'scope',
];
const REGISTRATION_KEYS = ['id', 'service', 'host', 'port', 'weight', 'tags', 'meta', 'zone', 'health', 'check'];

describe('case 13: registerOnListen (server lifecycle) options', () => {
  let port = 1000;
  const valid: fc.Arbitrary<ServerLifecycleOptions> = fc
    .record(
      {
        registration: fc.record(
          {
            host: fc.oneof(fc.domain(), fc.ipV4(), fc.constant('::1')),
            weight: fc.integer({ min: 0, max: 100 }),
            tags: fc.array(fc.stringMatching(/^[a-z]{1,4}$/), { maxLength: 2 }),
            zone: fc.constantFrom('a', 'b'),
          },
          { requiredKeys: ['host'] },
        ),
        drainTimeoutMs: fc.integer({ min: 0, max: MAX_TIMER }),
        deregisterDelayMs: fc.integer({ min: 0, max: MAX_TIMER }),
        exitOnSignal: fc.boolean(),
        onShutdown: fc.constant(() => undefined),
        onError: fc.constant(() => undefined),
        loggerProvider: fc.oneof(fc.constant(false as const), fc.constant(logs.getLoggerProvider())),
        scope: fc.constant({ name: 'fuzz', version: '1' }),
      },
      { requiredKeys: [] },
    )
    // A port each, so registrations never replace one another; no delay when shutting down here.
    .map(
      ({ registration, ...o }): ServerLifecycleOptions => ({
        ...o,
        registry,
        deregisterDelayMs: 0,
        ...(registration === undefined ? {} : { registration: { ...registration, service: 'cart', port: ++port } }),
      }),
    );
  optionProperties({
    valid,
    // No server: the lifecycle registers at once and shuts down without draining anything.
    build: (o) => registerOnListen(undefined, o),
    dispose: (l) => (l as ServerLifecycle).shutdown(),
    invalid: fc.oneof(
      at([], junk('object'), 'options'),
      at(['registry'], fc.oneof(junk('object'), fc.constant({ resolve: () => undefined })), 'registry'),
      at(['registration'], junk('object'), 'registration'),
      registrationField('service', fc.oneof(junk('string'), fc.constant(''))),
      registrationField('host', fc.constantFrom('a b', 'x/y', 'user@h', 'h:8080', 'http://x', '[::1]')),
      registrationField('port', badNumber(0, 65535)),
      registrationField(
        'meta',
        fc.constantFrom('ftp', 'HTTP', '').map((scheme) => ({ scheme })),
        'registration.meta.scheme',
      ),
      unknownKeyAt(['registration'], REGISTRATION_KEYS, 'registration'),
      at(['drainTimeoutMs'], badNumber(0, MAX_TIMER), 'drainTimeoutMs'),
      at(['deregisterDelayMs'], badNumber(0, MAX_TIMER), 'deregisterDelayMs'),
      at(['signals'], fc.oneof(junk('array'), fc.constant(['TERM']), fc.constant([15])), 'signals'),
      at(['exitOnSignal'], junk('boolean'), 'exitOnSignal'),
      at(['closeRegistry'], junk('boolean'), 'closeRegistry'),
      at(['onShutdown'], junk('function'), 'onShutdown'),
      at(['onError'], junk('function'), 'onError'),
      at(
        ['loggerProvider'],
        notProvider.filter((v) => v !== false),
        'loggerProvider',
      ),
      at(['scope'], junk('object'), 'scope'),
      at(['scope', 'name'], fc.oneof(junk('string'), fc.constant('')), 'scope.name'),
      unknownKeyAt([], LIFECYCLE_KEYS, ''),
    ),
  });
});

/** `registration.<key>` set to a bad value on an otherwise valid registration. */
function registrationField(key: string, values: fc.Arbitrary<unknown>, option = `registration.${key}`) {
  const base = { service: 'cart', host: '127.0.0.1', port: 9 };
  return at(['registration'], values, option).map((bad) => ({ ...bad, value: { ...base, [key]: bad.value } }));
}

describe('case 13: HttpServerTelemetry (server telemetry) options', () => {
  const valid: fc.Arbitrary<HttpServerTelemetryOptions> = fc.record(
    {
      tracerProvider: fc.constant(trace.getTracerProvider()),
      meterProvider: fc.constant(metrics.getMeterProvider()),
      httpInstrumentation: fc.constantFrom('auto', 'switchyard', 'external' as const),
      knownHttpMethods: fc.subarray(['GET', 'POST']),
      clock: fc.constant({ now: () => 0 }),
    },
    { requiredKeys: [] },
  );
  optionProperties({
    valid,
    build: (o) => new HttpServerTelemetry({ name: 'fuzz', version: '1' }, o),
    invalid: fc.oneof(
      at([], junk('object'), 'telemetry'),
      at(['tracerProvider'], notProvider, 'telemetry.tracerProvider'),
      at(['meterProvider'], notProvider, 'telemetry.meterProvider'),
      at(['httpInstrumentation'], badChoice(['auto', 'switchyard', 'external']), 'telemetry.httpInstrumentation'),
      at(['knownHttpMethods'], fc.oneof(junk('array'), fc.constant([1])), 'telemetry.knownHttpMethods'),
      at(['clock'], notProvider, 'telemetry.clock'),
      // Was accepted: the server telemetry checked no keys, so a typo was silently ignored.
      unknownKeyAt(
        [],
        ['tracerProvider', 'meterProvider', 'httpInstrumentation', 'knownHttpMethods', 'clock'],
        'telemetry',
      ),
    ),
  });
});
