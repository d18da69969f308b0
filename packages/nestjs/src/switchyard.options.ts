import { type ClientOptions, ConfigError, type ServiceRegistry, SwitchyardTelemetry } from '@switchyard/core';
import {
  booleanOption,
  checkClientOptions,
  finiteNumber,
  isServiceClient,
  knownKeys,
  MAX_TIMER_DELAY_MS,
  NODE_REQUEST_GETTER,
  plainObject,
  ServerRequests,
  validateRegistration,
  validateRegistry,
} from '@switchyard/core/server';
import { SERVER_INSTRUMENTATION_SCOPE, SERVER_INSTRUMENTATION_VERSION } from './serverNames.js';
import type { SwitchyardModuleOptions, SwitchyardModuleStaticOptions } from './switchyard.interfaces.js';

// Checked where the options are given, so a mistake fails at startup with a ConfigError
// naming the option, not at the first request or the first registration.

const OPTION_KEYS = [
  'registry',
  'client',
  'registration',
  'closeRegistry',
  'deregisterDelayMs',
  'drainTimeoutMs',
  'exposeMessages',
  'telemetry',
];

export const SERVER_SCOPE = { name: SERVER_INSTRUMENTATION_SCOPE, version: SERVER_INSTRUMENTATION_VERSION };

/** Options already validated (forRoot checks at import; its provider gets the same object). */
const validated = new WeakSet<object>();

/** Validates what `forRoot` got or a factory returned; returns it unchanged. */
export function validateOptions(value: unknown): SwitchyardModuleOptions {
  if (typeof value === 'object' && value !== null && validated.has(value)) return value as SwitchyardModuleOptions;
  const options = plainObject('SwitchyardModule options', value);
  knownKeys('', options, OPTION_KEYS, ' (global and exceptionFilter go on forRoot/forRootAsync)');
  validateRegistry(options.registry);
  if (options.client !== undefined && !isServiceClient(options.client)) {
    const client = plainObject('client', options.client);
    if ('registry' in client)
      throw new ConfigError('client.registry', 'omitted (the module passes `registry`)', client.registry);
    validateClientOptions(client, options.registry as ServiceRegistry);
  }
  for (const key of ['closeRegistry', 'exposeMessages']) {
    if (options[key] !== undefined) booleanOption(key, options[key]);
  }
  for (const key of ['deregisterDelayMs', 'drainTimeoutMs']) {
    if (options[key] !== undefined) finiteNumber(key, options[key], 0, MAX_TIMER_DELAY_MS);
  }
  if (options.registration !== undefined && options.registration !== false) {
    validateRegistration(options.registration);
  }
  if (options.telemetry !== undefined && options.telemetry !== false) {
    const { loggerProvider, ...telemetry } = plainObject('telemetry', options.telemetry);
    // Core checks what it takes (mode, providers, methods); nothing is created before a request.
    new ServerRequests({ scope: SERVER_SCOPE, getter: NODE_REQUEST_GETTER, telemetry: telemetry as object });
    const logger = loggerProvider as { getLogger?: unknown } | null | undefined;
    if (loggerProvider !== undefined && typeof logger?.getLogger !== 'function') {
      throw new ConfigError('telemetry.loggerProvider', 'an object with getLogger()', loggerProvider);
    }
  }
  validated.add(options);
  return options as unknown as SwitchyardModuleOptions;
}

/** Validates the options that shape the module (`global`, `exceptionFilter`). */
export function validateStaticOptions(options: SwitchyardModuleStaticOptions): void {
  if (options.global !== undefined) booleanOption('global', options.global);
  if (options.exceptionFilter !== undefined) booleanOption('exceptionFilter', options.exceptionFilter);
}

/**
 * Client options are used only when the client provider runs: check them now (no client
 * is made), so a mistake names `client.<option>` at startup like the module's own options do.
 */
function validateClientOptions(client: Record<string, unknown>, registry: ServiceRegistry): void {
  const { telemetry, ...rest } = client;
  try {
    checkClientOptions({ ...rest, registry, telemetry: false } as ClientOptions);
    if (typeof telemetry === 'object' && telemetry !== null && !(telemetry instanceof SwitchyardTelemetry)) {
      new SwitchyardTelemetry(telemetry).dispose();
    } else if (telemetry !== undefined && telemetry !== false && !(telemetry instanceof SwitchyardTelemetry)) {
      throw new ConfigError('telemetry', 'a SwitchyardTelemetry, its options, or false', telemetry);
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`client.${error.option}`, error.allowed, error.received, { cause: error });
  }
}
