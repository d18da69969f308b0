import { type MeterProvider, metrics, type TracerProvider, trace } from '@opentelemetry/api';
import { type Clock, systemClock } from '../common/Clock.js';
import { knownKeys, oneOf, plainObject, stringArray } from '../common/validate.js';
import { knownHttpMethods } from './httpAttributes.js';
import { providerOption } from './providerOption.js';

/**
 * Who makes HTTP spans and the HTTP duration metric: Switchyard (`switchyard`), another
 * OpenTelemetry instrumentation (`external`), or whichever `auto` detects. What `auto`
 * looks at depends on the side: `SwitchyardTelemetry` (client) and `HttpServerTelemetry` (server).
 */
export type HttpInstrumentationMode = 'auto' | 'switchyard' | 'external';

export const HTTP_INSTRUMENTATION_MODES: readonly HttpInstrumentationMode[] = ['auto', 'switchyard', 'external'];

/** The options the client and the server telemetry both take. */
export interface HttpTelemetryOptions {
  readonly tracerProvider?: TracerProvider | undefined;
  readonly meterProvider?: MeterProvider | undefined;
  readonly httpInstrumentation?: HttpInstrumentationMode | undefined;
  readonly knownHttpMethods?: readonly string[] | undefined;
  readonly clock?: Clock | undefined;
}

/** Every key of `HttpTelemetryOptions`: all a server's telemetry takes. */
export const HTTP_TELEMETRY_KEYS: readonly (keyof HttpTelemetryOptions)[] = [
  'tracerProvider',
  'meterProvider',
  'httpInstrumentation',
  'knownHttpMethods',
  'clock',
];

export interface ResolvedHttpTelemetryOptions {
  readonly mode: HttpInstrumentationMode;
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  readonly knownMethods: ReadonlySet<string>;
  readonly clock: Clock;
}

/**
 * Checks the shared options (a ConfigError names them as `telemetry.*`) and fills in the
 * defaults. With `known`, any other key is refused too (a caller with more options checks its own).
 */
export function resolveHttpTelemetryOptions(
  options: HttpTelemetryOptions,
  known?: readonly string[],
): ResolvedHttpTelemetryOptions {
  plainObject('telemetry', options);
  if (known !== undefined) knownKeys('telemetry.', options as Record<string, unknown>, known);
  const methods = options.knownHttpMethods;
  return {
    mode:
      options.httpInstrumentation === undefined
        ? 'auto'
        : oneOf('telemetry.httpInstrumentation', options.httpInstrumentation, HTTP_INSTRUMENTATION_MODES),
    tracerProvider: providerOption('telemetry.tracerProvider', options.tracerProvider, 'getTracer') ?? trace,
    meterProvider: providerOption('telemetry.meterProvider', options.meterProvider, 'getMeter') ?? metrics,
    knownMethods: knownHttpMethods(
      methods === undefined ? undefined : stringArray('telemetry.knownHttpMethods', methods),
    ),
    clock: providerOption('telemetry.clock', options.clock, 'now') ?? systemClock,
  };
}
