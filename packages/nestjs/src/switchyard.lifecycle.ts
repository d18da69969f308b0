import type { Server } from 'node:net';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { logs } from '@opentelemetry/api-logs';
import { LifecycleEvents, type ServiceClient, type ServiceRegistry } from '@switchyard/core';
import type { Subscription } from 'rxjs';
import { advertisedAddress } from './advertisedAddress.js';
import { SERVER_INSTRUMENTATION_SCOPE, SERVER_INSTRUMENTATION_VERSION } from './serverNames.js';
import { SWITCHYARD_CLIENT, SWITCHYARD_MODULE_OPTIONS, SWITCHYARD_REGISTRY } from './switchyard.constants.js';
import type { SwitchyardModuleOptions, SwitchyardRegistrationOptions } from './switchyard.interfaces.js';

/**
 * Ties the registry and the client to the application's life:
 *
 * - once the HTTP server listens (`HttpAdapterHost.listen$`, so the real port is known and
 *   callers can connect), registers this application when `registration` is set;
 * - on `beforeApplicationShutdown` deregisters it, so callers stop picking it before Nest
 *   closes the server and drains its connections;
 * - on `onApplicationShutdown` closes the client if the module created it, and the
 *   registry if `closeRegistry` is set.
 *
 * Registry failures are logged through Nest's `Logger`, never thrown: the application
 * keeps serving even when it could not announce itself.
 */
@Injectable()
export class SwitchyardLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Switchyard');
  private readonly ownsClient: boolean;
  private readonly events: LifecycleEvents;
  private registering: Promise<string | undefined> | undefined;
  private listening: Subscription | undefined;
  private shuttingDown = false;
  private registeredId: string | undefined;
  private settle: (id: string | undefined) => void = () => {};
  private readonly settled: Promise<string | undefined>;

  constructor(
    @Inject(SWITCHYARD_MODULE_OPTIONS) private readonly options: SwitchyardModuleOptions,
    @Inject(SWITCHYARD_CLIENT) private readonly client: ServiceClient,
    @Inject(SWITCHYARD_REGISTRY) private readonly registry: ServiceRegistry,
    @Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.ownsClient = client !== options.client;
    const telemetry = options.telemetry;
    this.events = new LifecycleEvents(
      { name: SERVER_INSTRUMENTATION_SCOPE, version: SERVER_INSTRUMENTATION_VERSION },
      telemetry === false ? undefined : (telemetry?.loggerProvider ?? logs),
    );
    this.settled = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  /** The service this application registers as (for log records). */
  private get registeredService(): string | undefined {
    const registration = this.options.registration;
    return registration === undefined || registration === false ? undefined : registration.service;
  }

  /** The id this application is registered under, while it is. */
  get instanceId(): string | undefined {
    return this.registeredId;
  }

  /**
   * Resolves with the instance id once registered; with undefined when registration is
   * off, failed (see the log), or was overtaken by shutdown. Never rejects.
   */
  whenRegistered(): Promise<string | undefined> {
    return this.settled;
  }

  onApplicationBootstrap(): void {
    const registration = this.options.registration;
    if (registration === undefined || registration === false) {
      this.settle(undefined);
      return;
    }
    const host = this.adapterHost;
    // An application context has a host whose adapter is null.
    const adapter = host?.httpAdapter ?? undefined;
    if (host === undefined || adapter === undefined) {
      // No HTTP server (an application context or a microservice): only a configured port will do.
      this.register(registration, undefined);
      return;
    }
    if (host.listening) {
      this.register(registration, adapter.getHttpServer());
      return;
    }
    this.listening = host.listen$.subscribe(() => this.register(registration, adapter.getHttpServer()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    this.listening?.unsubscribe();
    this.listening = undefined;
    const id = await (this.registering ?? Promise.resolve(undefined));
    this.settle(undefined);
    if (id === undefined) return;
    this.registeredId = undefined;
    const service = this.registeredService ?? '';
    try {
      await this.registry.deregister(id);
      this.logger.log(`Deregistered ${id} from the ${this.registry.name} registry`);
      this.events.deregistered(service, id);
    } catch (error) {
      const message = `Could not deregister ${id} from the ${this.registry.name} registry: ${describe(error)}`;
      this.logger.error(message);
      this.events.failed(service, 'deregister', error, message);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsClient) {
      await this.client.close().catch((error: unknown) => {
        this.logger.error(`Could not close the Switchyard client: ${describe(error)}`);
      });
    }
    if (this.options.closeRegistry === true) {
      await this.registry.close().catch((error: unknown) => {
        const message = `Could not close the ${this.registry.name} registry: ${describe(error)}`;
        this.logger.error(message);
        this.events.failed(this.registeredService, 'close', error, message);
      });
    }
  }

  private register(registration: SwitchyardRegistrationOptions, server: Pick<Server, 'address'> | undefined): void {
    if (this.shuttingDown || this.registering !== undefined) return;
    const { check, host: _host, port: _port, ...instance } = registration;
    let pending: Promise<string>;
    let where: string;
    try {
      const address = advertisedAddress(registration, server);
      if (address === undefined) {
        this.logger.warn(
          `Not registering ${registration.service}: the port is unknown (no HTTP server on a TCP port); set registration.port`,
        );
        this.settle(undefined);
        return;
      }
      where = `${address.host}:${address.port}`;
      const checkOption = typeof check === 'function' ? check(address) : check;
      pending = this.registry.register({
        ...instance,
        host: address.host,
        port: address.port,
        ...(checkOption === undefined ? {} : { check: checkOption }),
      });
    } catch (error) {
      pending = Promise.reject(error);
      where = 'an unknown address';
    }
    const registering = pending.then(
      (id) => {
        this.registeredId = id;
        this.events.registered(registration.service, id);
        this.logger.log(`Registered ${registration.service} as ${id} (${where}) in the ${this.registry.name} registry`);
        return id;
      },
      (error: unknown) => {
        const message = `Could not register ${registration.service} in the ${this.registry.name} registry: ${describe(error)}`;
        this.logger.error(message);
        this.events.failed(registration.service, 'register', error, message);
        return undefined;
      },
    );
    this.registering = registering;
    void registering.then((id) => {
      if (!this.shuttingDown) this.settle(id);
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
