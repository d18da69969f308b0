import { ConfigError, createInstance, type ServiceClient } from '@switchyard/core';
import { ServerTelemetry } from './ServerTelemetry.js';
import type {
  SwitchyardModuleOptions,
  SwitchyardModuleStaticOptions,
  SwitchyardRegistrationOptions,
  SwitchyardServerTelemetryOptions,
} from './switchyard.interfaces.js';

// Checks options where they are given, so a mistake fails at startup with a ConfigError
// naming the option rather than at the first request or the first registration.

const OPTION_KEYS = new Set(['registry', 'client', 'registration', 'closeRegistry', 'telemetry']);
const STATIC_KEYS = new Set(['global', 'exceptionFilter']);

/** Validates what `forRoot` got or a factory returned; returns it unchanged. */
export function validateOptions(value: unknown): SwitchyardModuleOptions {
  const options = plainObject('SwitchyardModule options', value);
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      const hint = STATIC_KEYS.has(key) ? ' (set it on forRoot/forRootAsync, not in the factory result)' : '';
      throw new ConfigError(key, `one of ${[...OPTION_KEYS].join(', ')}${hint}`, key, {
        detail: 'unknown option',
      });
    }
  }
  const registry = options.registry as Partial<Record<string, unknown>> | undefined;
  if (
    typeof registry !== 'object' ||
    registry === null ||
    !['resolve', 'watch', 'register', 'deregister', 'close'].every((m) => typeof registry[m] === 'function')
  ) {
    throw new ConfigError('registry', 'a ServiceRegistry (StaticRegistry, ConsulRegistry, ...)', options.registry);
  }
  if (options.client !== undefined && !isServiceClient(options.client)) {
    const client = plainObject('client', options.client);
    if ('registry' in client) {
      throw new ConfigError('client.registry', 'omitted (the module passes `registry`)', client.registry);
    }
  }
  if (options.closeRegistry !== undefined) boolean('closeRegistry', options.closeRegistry);
  if (options.registration !== undefined && options.registration !== false) {
    validateRegistration(options.registration);
  }
  if (options.telemetry !== undefined && options.telemetry !== false) validateTelemetry(options.telemetry);
  return options as unknown as SwitchyardModuleOptions;
}

/** Validates the options that shape the module (`global`, `exceptionFilter`). */
export function validateStaticOptions(options: SwitchyardModuleStaticOptions): void {
  if (options.global !== undefined) boolean('global', options.global);
  if (options.exceptionFilter !== undefined) boolean('exceptionFilter', options.exceptionFilter);
}

/** A `ServiceClient` from any copy of `@switchyard/core` (so not `instanceof`). */
export function isServiceClient(value: unknown): value is ServiceClient {
  if (typeof value !== 'object' || value === null) return false;
  const client = value as Record<string, unknown>;
  return ['call', 'fetch', 'close', 'runtime'].every((m) => typeof client[m] === 'function');
}

function validateRegistration(value: unknown): void {
  const registration = plainObject('registration', value) as Partial<SwitchyardRegistrationOptions>;
  if (typeof registration.service !== 'string' || registration.service.trim() === '') {
    throw new ConfigError('registration.service', 'a non-empty string', registration.service);
  }
  const { service, check, host, port, ...rest } = registration;
  if (check !== undefined && typeof check !== 'function') plainObject('registration.check', check);
  // Host and port may be known only once the server listens: check the rest with stand-ins.
  createInstance({ ...rest, host: host ?? 'validation.invalid', port: port ?? 1 }, service, 'registration');
}

function validateTelemetry(value: unknown): void {
  // Core's HttpServerTelemetry checks what it takes (mode, providers, methods); it is cheap to
  // make (nothing is created before the first request), and the interceptor makes the same one.
  new ServerTelemetry(value as SwitchyardServerTelemetryOptions);
  const { loggerProvider } = value as SwitchyardServerTelemetryOptions;
  if (
    loggerProvider !== undefined &&
    (typeof loggerProvider !== 'object' || loggerProvider === null || typeof loggerProvider.getLogger !== 'function')
  ) {
    throw new ConfigError('telemetry.loggerProvider', 'an object with getLogger()', loggerProvider);
  }
}

function plainObject(option: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(option, 'an object', value);
  }
  return value as Record<string, unknown>;
}

function boolean(option: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new ConfigError(option, 'true or false', value);
}
