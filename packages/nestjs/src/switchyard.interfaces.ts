import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';
import type { LoggerProvider } from '@opentelemetry/api-logs';
import type {
  ClientOptions,
  HealthCheck,
  HttpServerTelemetryOptions,
  InstanceInput,
  ServiceClient,
  ServiceRegistry,
} from '@switchyard/core';
import { SWITCHYARD_MODULE_OPTIONS } from './switchyard.constants.js';

/** `createClient` options without the registry: the module passes its own. */
export type SwitchyardClientOptions = Omit<ClientOptions, 'registry'>;

/** Where this application is reachable, once known. */
export interface SwitchyardAddress {
  readonly host: string;
  readonly port: number;
}

/** How this application registers itself as an instance of a service. */
export interface SwitchyardRegistrationOptions extends Omit<InstanceInput, 'host' | 'port' | 'service' | 'health'> {
  /** The service this application is an instance of. */
  readonly service: string;
  /**
   * Host to advertise. Default: the address the HTTP server is bound to, or the first
   * non-internal IPv4 address when it is bound to every interface (`0.0.0.0` / `::`).
   */
  readonly host?: string;
  /** Port to advertise (e.g. a mapped container port). Default: the port the HTTP server listens on. */
  readonly port?: number;
  /** Health check for registries that run one (Consul); a function gets the advertised address. */
  readonly check?: HealthCheck | ((address: SwitchyardAddress) => HealthCheck);
}

/**
 * The SERVER span and `http.server.request.duration` made for each request reaching a
 * controller (core's server telemetry options: providers, `httpInstrumentation`,
 * `knownHttpMethods`), and the lifecycle log records (registered, deregistered, failures).
 */
export interface SwitchyardServerTelemetryOptions extends Omit<HttpServerTelemetryOptions, 'clock'> {
  /** For lifecycle log records. Default: the global logger provider. */
  readonly loggerProvider?: LoggerProvider;
}

/** What `forRoot` takes and what a `forRootAsync` factory returns. */
export interface SwitchyardModuleOptions {
  /** Where the client finds services, and where this application registers itself. */
  readonly registry: ServiceRegistry;
  /**
   * A client to share (you close it), or options for one the module creates and closes on
   * shutdown. Default: a client over `registry` with the default policies.
   */
  readonly client?: ServiceClient | SwitchyardClientOptions;
  /** Register this application in `registry` once the HTTP server listens. Default `false`. */
  readonly registration?: SwitchyardRegistrationOptions | false;
  /** Close `registry` on application shutdown (set it when the module's factory created it). Default `false`. */
  readonly closeRegistry?: boolean;
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
