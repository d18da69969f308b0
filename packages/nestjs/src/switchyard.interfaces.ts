import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';
import type { ClientOptions, LoggerProvider, ServiceClient, ServiceRegistry } from '@switchyard/core';
import type { AdvertisedAddress, HttpServerTelemetryOptions, ListenRegistration } from '@switchyard/core/server';
import { SWITCHYARD_MODULE_OPTIONS } from './switchyard.constants.js';

/** `createClient` options without the registry: the module passes its own. */
export type SwitchyardClientOptions = Omit<ClientOptions, 'registry'>;

/** Where this application is reachable, once known. */
export type SwitchyardAddress = AdvertisedAddress;

/** How this application registers itself (core's `ListenRegistration`: host, port and check optional). */
export type SwitchyardRegistrationOptions = ListenRegistration;

/** Server spans and metrics (core's server telemetry options), and the lifecycle log records' provider. */
export interface SwitchyardServerTelemetryOptions extends Omit<HttpServerTelemetryOptions, 'clock'> {
  /** For lifecycle log records. Default: the global logger provider. */
  readonly loggerProvider?: LoggerProvider;
}

/** What `forRoot` takes and what a `forRootAsync` factory returns. */
export interface SwitchyardModuleOptions {
  /** Where the client finds services, and where this application registers itself. */
  readonly registry: ServiceRegistry;
  /** A client to share (you close it), or options for one the module creates and closes. Default: default policies. */
  readonly client?: ServiceClient | SwitchyardClientOptions;
  /** Register this application in `registry` once the HTTP server listens. Default `false`. */
  readonly registration?: SwitchyardRegistrationOptions | false;
  /** Close `registry` on application shutdown (set it when the module's factory created it). Default `false`. */
  readonly closeRegistry?: boolean;
  /** Pause between deregistering and closing the server, still serving, for callers whose watches lag. Default 0. */
  readonly deregisterDelayMs?: number;
  /** How long shutdown waits for in-flight requests before closing their connections. Default 10 000 ms. */
  readonly drainTimeoutMs?: number;
  /** Send errors' own messages in problem bodies (development). Default false: fixed texts per code. */
  readonly exposeMessages?: boolean;
  /** Server spans, metrics and lifecycle log records, or `false` for none. Default `{ httpInstrumentation: 'auto' }`. */
  readonly telemetry?: SwitchyardServerTelemetryOptions | false;
}

/** Token of the validated `SwitchyardModuleOptions`: `@Inject(SwitchyardModuleOptions)` (the Nest idiom). */
export const SwitchyardModuleOptions = SWITCHYARD_MODULE_OPTIONS;

/** Options that shape the module itself, so they cannot come from an async factory. */
export interface SwitchyardModuleStaticOptions {
  /** Make the client, registry and options injectable in every module. Default `true`. */
  readonly global?: boolean;
  /** Register `SwitchyardExceptionFilter` as a global filter. Default `true`. */
  readonly exceptionFilter?: boolean;
}

export interface SwitchyardModuleForRootOptions extends SwitchyardModuleOptions, SwitchyardModuleStaticOptions {}

/** A class `forRootAsync({ useClass })` instantiates to get the options. */
export interface SwitchyardOptionsFactory {
  createSwitchyardOptions(): SwitchyardModuleOptions | Promise<SwitchyardModuleOptions>;
}

export interface SwitchyardModuleAsyncOptions extends SwitchyardModuleStaticOptions, Pick<ModuleMetadata, 'imports'> {
  /** Providers to pass to `useFactory`, in order. */
  readonly inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Builds the options from the injected providers. */
  useFactory?(...args: unknown[]): SwitchyardModuleOptions | Promise<SwitchyardModuleOptions>;
  /** A class the module instantiates (with injection) to build the options. */
  readonly useClass?: Type<SwitchyardOptionsFactory>;
  /** An existing provider (from `imports`) that builds the options. */
  readonly useExisting?: InjectionToken<SwitchyardOptionsFactory>;
}
