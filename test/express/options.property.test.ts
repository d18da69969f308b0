// Case 13: the Express middleware refuses bad options with a ConfigError naming the option.
import { metrics, trace } from '@opentelemetry/api';
import { createClient, StaticRegistry } from '@switchyard/core';
import { type SwitchyardMiddleware, type SwitchyardOptions, switchyard } from '@switchyard/express';
import fc from 'fast-check';
import { afterAll, describe } from 'vitest';
import {
  at,
  badChoice,
  badNumber,
  junk,
  optionProperties,
  unknownKeyAt,
} from '../../packages/core/test/fuzz/support.js';

const registry = new StaticRegistry({ services: { cart: [{ host: '127.0.0.1', port: 1 }] } });
const shared = createClient({ registry, telemetry: false });
afterAll(async () => {
  await shared.close();
  await registry.close();
});

const telemetry = fc.oneof(
  fc.constant(false as const),
  fc.record(
    {
      tracerProvider: fc.constant(trace.getTracerProvider()),
      meterProvider: fc.constant(metrics.getMeterProvider()),
      httpInstrumentation: fc.constantFrom('auto', 'switchyard', 'external' as const),
      knownHttpMethods: fc.subarray(['GET', 'POST']),
    },
    { requiredKeys: [] },
  ),
);

describe('case 13: switchyard() middleware options', () => {
  const valid: fc.Arbitrary<SwitchyardOptions> = fc
    .record(
      {
        shareClient: fc.boolean(),
        telemetry,
        abortOnDisconnect: fc.boolean(),
        route: fc.constant(() => '/r'),
        retry: fc.oneof(fc.constant(false as const), fc.record({ maxAttempts: fc.integer({ min: 1, max: 5 }) })),
      },
      { requiredKeys: ['shareClient'] },
    )
    .map(({ shareClient, retry, ...rest }) =>
      shareClient
        ? { ...rest, client: shared }
        : {
            ...rest,
            clientOptions: { registry, telemetry: false as const, ...(retry === undefined ? {} : { retry }) },
          },
    );
  optionProperties({
    valid,
    build: (o) => switchyard(o),
    dispose: (m) => (m as SwitchyardMiddleware).close(),
    invalid: fc.oneof(
      at([], junk('object'), 'options'),
      at(['client'], fc.oneof(junk('object'), fc.constant({ call: () => undefined })), 'client'),
      at(['clientOptions'], junk('object'), 'clientOptions').map((bad) => ({
        ...bad,
        path: [],
        value: { clientOptions: bad.value },
      })),
      // Client options errors name the path as written.
      at(
        ['clientOptions', 'retry', 'maxAttempts'],
        badNumber(1, Number.POSITIVE_INFINITY, { integer: true }),
        'clientOptions.retry.maxAttempts',
      ).map((bad) => ({
        ...bad,
        path: [],
        value: { clientOptions: { registry, telemetry: false, retry: { maxAttempts: bad.value } } },
      })),
      at(
        ['telemetry'],
        junk('object').filter((v) => v !== false),
        'telemetry',
      ),
      at(
        ['telemetry', 'httpInstrumentation'],
        badChoice(['auto', 'switchyard', 'external']),
        'telemetry.httpInstrumentation',
      ),
      unknownKeyAt(
        ['telemetry'],
        ['tracerProvider', 'meterProvider', 'httpInstrumentation', 'knownHttpMethods'],
        'telemetry',
      ),
      at(['abortOnDisconnect'], junk('boolean'), 'abortOnDisconnect'),
      at(['route'], junk('function'), 'route'),
      unknownKeyAt([], ['client', 'clientOptions', 'telemetry', 'abortOnDisconnect', 'route'], ''),
    ),
  });
});
