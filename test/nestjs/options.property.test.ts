// Case 13: SwitchyardModule.forRoot refuses bad options with a ConfigError naming the option.
import { metrics, trace } from '@opentelemetry/api';
import { createClient, StaticRegistry } from '@switchyard/core';
import { SwitchyardModule, type SwitchyardModuleForRootOptions } from '@switchyard/nestjs';
import fc from 'fast-check';
import { afterAll, describe } from 'vitest';
import {
  at,
  badNumber,
  junk,
  MAX_TIMER,
  optionProperties,
  unknownKeyAt,
} from '../../packages/core/test/fuzz/support.js';

const registry = new StaticRegistry();
const shared = createClient({ registry, telemetry: false });
afterAll(async () => {
  await shared.close();
  await registry.close();
});
const KEYS = [
  'registry',
  'client',
  'registration',
  'closeRegistry',
  'deregisterDelayMs',
  'drainTimeoutMs',
  'exposeMessages',
  'telemetry',
];

describe('case 13: SwitchyardModule.forRoot options', () => {
  const valid: fc.Arbitrary<SwitchyardModuleForRootOptions> = fc
    .record(
      {
        client: fc.oneof(
          fc.constant(shared),
          fc.record(
            {
              retry: fc.oneof(fc.constant(false as const), fc.record({ maxAttempts: fc.integer({ min: 1, max: 5 }) })),
            },
            { requiredKeys: [] },
          ),
        ),
        registration: fc.oneof(
          fc.constant(false as const),
          fc.record(
            {
              service: fc.constant('cart'),
              host: fc.oneof(fc.domain(), fc.ipV4()),
              port: fc.integer({ min: 1, max: 65535 }),
            },
            { requiredKeys: ['service'] },
          ),
        ),
        closeRegistry: fc.boolean(),
        deregisterDelayMs: fc.integer({ min: 0, max: MAX_TIMER }),
        drainTimeoutMs: fc.integer({ min: 0, max: MAX_TIMER }),
        exposeMessages: fc.boolean(),
        telemetry: fc.oneof(
          fc.constant(false as const),
          fc.record(
            {
              tracerProvider: fc.constant(trace.getTracerProvider()),
              meterProvider: fc.constant(metrics.getMeterProvider()),
            },
            { requiredKeys: [] },
          ),
        ),
        global: fc.boolean(),
        exceptionFilter: fc.boolean(),
      },
      { requiredKeys: [] },
    )
    .map((o) => ({ ...o, registry }));
  optionProperties({
    valid,
    build: (o) => SwitchyardModule.forRoot(o),
    invalid: fc.oneof(
      // forRoot(5) was reported as a bad `registry`.
      at([], junk('object'), 'options'),
      at(['registry'], fc.oneof(junk('object'), fc.constant({ resolve: () => undefined })), 'registry'),
      at(['client'], junk('object'), 'client'),
      // Was checked only when the client provider ran, and named without `client.`.
      at(
        ['client', 'retry', 'maxAttempts'],
        badNumber(1, Number.POSITIVE_INFINITY, { integer: true }),
        'client.retry.maxAttempts',
      ).map((bad) => ({ ...bad, path: ['client'], value: { retry: { maxAttempts: bad.value } } })),
      at(['client', 'timeoutMs'], fc.constantFrom(true, 'abc', null, 0), 'client.timeoutMs').map((bad) => ({
        ...bad,
        path: ['client'],
        value: { timeoutMs: bad.value },
      })),
      at(['client', 'zz'], fc.constant(1), 'client.zz').map((bad) => ({ ...bad, path: ['client'], value: { zz: 1 } })),
      at(['client', 'telemetry'], fc.constantFrom(5, 'x', null), 'client.telemetry').map((bad) => ({
        ...bad,
        path: ['client'],
        value: { telemetry: bad.value },
      })),
      at(
        ['registration'],
        junk('object').filter((v) => v !== false),
        'registration',
      ),
      at(['registration'], fc.constantFrom('a b', 'h:8080', 'user@h'), 'registration.host').map((bad) => ({
        ...bad,
        value: { service: 'cart', host: bad.value, port: 1 },
      })),
      at(['closeRegistry'], junk('boolean'), 'closeRegistry'),
      at(['exposeMessages'], junk('boolean'), 'exposeMessages'),
      at(['deregisterDelayMs'], badNumber(0, MAX_TIMER), 'deregisterDelayMs'),
      at(['drainTimeoutMs'], badNumber(0, MAX_TIMER), 'drainTimeoutMs'),
      at(
        ['telemetry'],
        junk('object').filter((v) => v !== false),
        'telemetry',
      ),
      at(['telemetry', 'loggerProvider'], fc.oneof(junk('object'), fc.constant({})), 'telemetry.loggerProvider'),
      unknownKeyAt(
        ['telemetry'],
        ['tracerProvider', 'meterProvider', 'httpInstrumentation', 'knownHttpMethods', 'loggerProvider'],
        'telemetry',
      ),
      at(['global'], junk('boolean'), 'global'),
      at(['exceptionFilter'], junk('boolean'), 'exceptionFilter'),
      unknownKeyAt([], [...KEYS, 'global', 'exceptionFilter'], ''),
    ),
  });
});
