import type { Server } from 'node:http';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ServiceClient, ServiceRegistry } from '@switchyard/core';
import {
  capLogText,
  errorText,
  type LifecyclePhase,
  registerOnListen,
  type ServerLifecycle,
  type ShutdownResult,
} from '@switchyard/core/server';
import { SWITCHYARD_CLIENT, SWITCHYARD_MODULE_OPTIONS, SWITCHYARD_REGISTRY } from './switchyard.constants.js';
import type { SwitchyardModuleOptions } from './switchyard.interfaces.js';
import { SERVER_SCOPE } from './switchyard.options.js';

/**
 * Ties the registry and the client to the application's life through core's server
 * lifecycle, exactly as the Express adapter's `registerOnListen`: registers once the HTTP
 * server listens (without one, at once with a configured port); `beforeApplicationShutdown`
 * deregisters, waits `deregisterDelayMs` still serving, stops accepting, drains, then closes
 * the client the module created and, with `closeRegistry`, the registry, before Nest closes
 * the (already drained) server. Failures are logged through Nest's `Logger`, never thrown.
 */
@Injectable()
export class SwitchyardLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Switchyard');
  private lifecycle: ServerLifecycle | undefined;
  private result: ShutdownResult | undefined;
  private link: (lifecycle: ServerLifecycle) => void = () => {};
  private readonly registered: Promise<string>;

  constructor(
    @Inject(SWITCHYARD_MODULE_OPTIONS) private readonly options: SwitchyardModuleOptions,
    @Inject(SWITCHYARD_CLIENT) private readonly client: ServiceClient,
    @Inject(SWITCHYARD_REGISTRY) private readonly registry: ServiceRegistry,
    @Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.registered = new Promise<ServerLifecycle>((resolve) => {
      this.link = resolve;
    }).then((lifecycle) => lifecycle.registered);
    this.registered.catch(() => {});
  }

  /** The id this application is registered under, while it is. */
  get instanceId(): string | undefined {
    return this.lifecycle?.instanceId;
  }

  /** What the shutdown did (deregistered, drained, forced, errors), once `app.close()` ran it. */
  get shutdownResult(): ShutdownResult | undefined {
    return this.result;
  }

  /** Resolves with the instance id once registered; rejects (pre-handled) when registration failed or is off. */
  whenRegistered(): Promise<string> {
    return this.registered;
  }

  onApplicationBootstrap(): void {
    const { registration, telemetry, deregisterDelayMs, drainTimeoutMs } = this.options;
    // An application context (no HTTP server) has a host whose adapter is null.
    const server = (this.adapterHost?.httpAdapter?.getHttpServer() as Server | undefined) ?? undefined;
    const service = registration === false ? undefined : registration?.service;
    const name = this.registry.name;
    this.lifecycle = registerOnListen(server, {
      registry: this.registry,
      ...(registration === undefined || registration === false ? {} : { registration }),
      ...(deregisterDelayMs === undefined ? {} : { deregisterDelayMs }),
      ...(drainTimeoutMs === undefined ? {} : { drainTimeoutMs }),
      closeRegistry: this.options.closeRegistry === true,
      // A client the module created (not one it was given) is closed once the server drained.
      onShutdown: () => (this.client === this.options.client ? undefined : this.client.close()),
      // registerOnListen defaults to the global provider itself.
      ...(telemetry === false
        ? { loggerProvider: false as const }
        : telemetry?.loggerProvider === undefined
          ? {}
          : { loggerProvider: telemetry.loggerProvider }),
      scope: SERVER_SCOPE,
      onError: (error, phase) =>
        this.logger.error(
          `Could not ${VERBS[phase]} ${service ?? 'the application'} (${name} registry): ${capLogText(errorText(error))}`,
        ),
    });
    this.link(this.lifecycle);
    if (service !== undefined) {
      this.lifecycle.registered.then(
        (id) => this.logger.log(`Registered ${service} as ${id} in the ${name} registry`),
        () => {},
      );
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    const result = await this.lifecycle?.shutdown();
    this.result = result;
    if (result?.deregistered === true) this.logger.log(`Deregistered from the ${this.registry.name} registry`);
  }
}

const VERBS: Readonly<Record<LifecyclePhase, string>> = {
  register: 'register',
  deregister: 'deregister',
  'shutdown-hook': 'close the Switchyard client of',
  close: 'close the registry of',
};
