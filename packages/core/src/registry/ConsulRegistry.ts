import { inspect } from 'node:util';
import Consul from 'consul';
import type { Disposable } from '../common/Disposable.js';
import type { Event } from '../common/Event.js';
import { fn, nonEmptyString } from '../common/validate.js';
import { RegistryError } from '../errors/RegistryError.js';
import { errorText } from '../errors/safeRead.js';
import { channels } from '../events/channels.js';
import { AgentIdentity } from './consul/AgentIdentity.js';
import { ConsulApi, type ConsulClientLike } from './consul/ConsulApi.js';
import {
  type ConsulRegistryOptions,
  type PublicOptions,
  resolveConsulOptions,
} from './consul/ConsulRegistryOptions.js';
import { ConsulRequestError, toConsulRequestError } from './consul/ConsulRequestError.js';
import { filterExpression } from './consul/filterExpression.js';
import { OwnRegistrations, type RegistrationEvent } from './consul/OwnRegistrations.js';
import { ServiceWatchLoop } from './consul/ServiceWatchLoop.js';
import { toAgentRegistration } from './consul/toAgentRegistration.js';
import { toInstances } from './consul/toInstance.js';
import { filterOption } from './matchesFilter.js';
import type {
  InstanceFilter,
  Registration,
  ServiceRegistry,
  ServiceSnapshot,
  SnapshotListener,
} from './ServiceRegistry.js';
import { SnapshotHub } from './SnapshotHub.js';

/** A signal that never aborts, for the deregistrations `close()` still sends. */
const NEVER = new AbortController().signal;

/**
 * A registry backed by a Consul agent, through the `consul` package.
 *
 * Discovery: each watched service has ONE blocking-query loop on
 * `/v1/health/service/:name`, however many watchers it has; it starts with the first
 * watcher and stops with the last. A change reaches watchers one blocking round-trip
 * after Consul commits it. Health is aggregated over every check of an instance, node
 * checks included; `Weights` become instance weights. When the agent cannot be reached
 * or answers badly, watchers keep the last known instances marked `stale`, the failure is
 * reported to telemetry, and the loop backs off with jitter until the agent answers again.
 * An agent that comes back restarted (new NodeID) with fewer instances does not empty the
 * view: what it lost is held, stale, until it is back or `restartGraceMs` passes.
 *
 * Registration: `register()` sends the service with its weights and check to the local
 * agent; TTL checks are heartbeated every ttl/3; services the agent loses (a restart, an
 * unknown TTL check, or missing at the anti-entropy check every `syncIntervalMs`) are
 * registered again, HTTP/TCP checks with their last known status, and `close()`
 * deregisters them.
 *
 * The ACL token is sent only as the `X-Consul-Token` header; it never appears in errors,
 * logs, telemetry or the registry's inspection. After `close()` every method but `close()`
 * throws a RegistryError.
 */
export class ConsulRegistry implements ServiceRegistry {
  readonly name: string;
  /** Re-registrations and registration failures that happened in the background. */
  readonly onRegistrationEvent: Event<RegistrationEvent>;
  private readonly options: PublicOptions;
  /** Private for real: its sockets hold in-flight requests' headers, the ACL token among them. */
  readonly #client: ConsulClientLike;
  private readonly ownsClient: boolean;
  private readonly api: ConsulApi;
  private readonly identity: AgentIdentity;
  private readonly hub: SnapshotHub;
  private readonly own: OwnRegistrations;
  private readonly loops = new Map<string, ServiceWatchLoop>();
  private readonly oneShots = new Map<string, Promise<void>>();
  private readonly controller = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(options: ConsulRegistryOptions = {}) {
    // The token goes to the API layer only, never into a field anyone could log.
    // Nor does the client: a given one is kept out of `options` too.
    const { token, consul, ...resolved } = resolveConsulOptions(options);
    this.options = resolved;
    this.name = resolved.name;
    this.ownsClient = consul === undefined;
    this.#client =
      consul ??
      (new Consul({
        host: resolved.host,
        port: resolved.port,
        secure: resolved.secure,
      }) as unknown as ConsulClientLike);
    this.api = new ConsulApi(this.#client, {
      token,
      datacenter: resolved.datacenter,
      requestTimeoutMs: resolved.requestTimeoutMs,
    });
    this.identity = new AgentIdentity(this.api, this.controller.signal);
    this.hub = new SnapshotHub({
      clock: resolved.wallClock,
      awaitFirstPublish: true,
      ...(resolved.onListenerError === undefined ? {} : { onListenerError: resolved.onListenerError }),
      onWatchStart: (service) => this.startLoop(service),
      onWatchStop: (service) => this.stopLoop(service),
      registry: this,
    });
    this.own = new OwnRegistrations(this.api, resolved.syncIntervalMs, this.controller.signal);
    this.onRegistrationEvent = this.own.onEvent;
  }

  /**
   * The instances of `service`. A watched service answers from its loop (waiting for the
   * loop's first answer if needed); an unwatched one costs one non-blocking query per call.
   * Never rejects because of the agent: an unreachable agent gives the last known
   * instances (or none) with `stale: true`.
   */
  async resolve(service: string, filter?: InstanceFilter): Promise<ServiceSnapshot> {
    this.assertOpen();
    nonEmptyString('service', service);
    // Checked before any query, as StaticRegistry does: a typo (`tag`) must not be ignored.
    const checked = filter === undefined ? undefined : filterOption('filter', filter);
    const loop = this.loops.get(service);
    if (loop !== undefined) await loop.ready;
    else await this.queryOnce(service);
    return this.hub.snapshot(service, checked);
  }

  /**
   * Delivers the current snapshot once the agent first answered (or failed to), then
   * every change this watcher's filter lets through, and every change of the stale flag.
   * Filters apply client-side: all watchers of a service share one query.
   */
  watch(service: string, listener: SnapshotListener, filter?: InstanceFilter): Disposable {
    this.assertOpen();
    nonEmptyString('service', service);
    fn('listener', listener);
    return this.hub.watch(service, listener, filter === undefined ? undefined : filterOption('filter', filter));
  }

  /**
   * Registers an instance with the local agent (replacing one with the same id) and keeps
   * it registered until `deregister` or `close`. Invalid input throws a ConfigError; an
   * agent that refuses or cannot be reached rejects with a RegistryError.
   */
  async register(registration: Registration): Promise<string> {
    this.assertOpen();
    const agentRegistration = toAgentRegistration(registration, this.options.zoneMetaKey);
    try {
      await this.own.add(agentRegistration);
    } catch (error) {
      throw this.registryError(`could not register ${JSON.stringify(agentRegistration.id)}`, error);
    }
    // close() ran meanwhile: the registration was undone.
    this.assertOpen();
    return agentRegistration.id;
  }

  /** Deregisters `id` from the local agent. An id the agent does not know is a no-op. */
  async deregister(id: string): Promise<void> {
    this.assertOpen();
    nonEmptyString('id', id);
    this.own.remove(id);
    try {
      await this.api.deregister(id, this.controller.signal);
    } catch (error) {
      throw this.registryError(`could not deregister ${JSON.stringify(id)}`, error);
    }
  }

  /**
   * Stops every loop and timer, cancels requests in flight, and deregisters the services
   * this registry registered (best effort, each bounded by `requestTimeoutMs`; a failure is
   * reported as a `deregister_failed` event, never as a rejection). Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.hub.close();
    for (const loop of this.loops.values()) loop.stop();
    this.loops.clear();
    const left = this.own.stop();
    this.controller.abort();
    await Promise.all(
      left.map((registration) =>
        this.api.deregister(registration.id, NEVER).catch((error: unknown) => {
          this.own.emit({
            type: 'deregister_failed',
            id: registration.id,
            service: registration.service,
            ...(error instanceof ConsulRequestError ? { error } : {}),
          });
        }),
      ),
    );
    this.own.clearListeners();
    if (this.ownsClient) this.#client.destroy?.();
  }

  private startLoop(service: string): void {
    if (this.closing !== undefined || this.loops.has(service)) return;
    const loop = new ServiceWatchLoop(service, {
      api: this.api,
      identity: this.identity,
      hub: this.hub,
      registry: this,
      options: this.options,
      // The agent is back, perhaps restarted with empty state: make sure ours are there.
      onRecovered: () => this.own.sync(),
    });
    this.loops.set(service, loop);
    loop.start();
  }

  private stopLoop(service: string): void {
    this.loops.get(service)?.stop();
    this.loops.delete(service);
    // Nobody keeps this view current any more: a later watcher or resolve must not take it for fresh.
    if (this.hub.services().includes(service)) this.hub.markStale(service);
  }

  /** One non-blocking query for an unwatched service; concurrent resolves share it. */
  private queryOnce(service: string): Promise<void> {
    let pending = this.oneShots.get(service);
    if (pending === undefined) {
      pending = this.fetch(service).finally(() => this.oneShots.delete(service));
      this.oneShots.set(service, pending);
    }
    return pending;
  }

  private async fetch(service: string): Promise<void> {
    const { options } = this;
    const serverFilter = options.serverFilters.get(service);
    try {
      const answer = await this.api.healthService(
        service,
        0n,
        options.waitMs,
        filterExpression(serverFilter),
        this.controller.signal,
      );
      // A loop started meanwhile is the authority: never overwrite its newer answer.
      const loop = this.loops.get(service);
      if (loop !== undefined) return await loop.ready;
      const received = options.clock.now();
      const instances = toInstances(service, answer.entries, options.zoneMetaKey, serverFilter);
      if (this.hub.publish(service, instances, options.wallClock.now()) && channels.registryRefresh.hasSubscribers) {
        channels.registryRefresh.publish({ registry: this, service, durationMs: options.clock.now() - received });
      }
    } catch (error) {
      if (this.closing !== undefined) return;
      const loop = this.loops.get(service);
      if (loop !== undefined) return await loop.ready;
      this.hub.markStale(service);
      if (channels.registryError.hasSubscribers) {
        channels.registryError.publish({
          registry: this,
          service,
          error: toConsulRequestError(`resolve ${service}`, error),
        });
      }
    }
  }

  /** What `util.inspect` shows: the registry's identity and state, nothing of its connections. */
  [inspect.custom](): string {
    const { host, port, secure } = this.options;
    const where = this.ownsClient ? `${secure ? 'https' : 'http'}://${host}:${port}` : 'a given consul client';
    const state = this.closing === undefined ? 'open' : 'closed';
    return `ConsulRegistry { name: ${JSON.stringify(this.name)}, agent: ${where}, watched: ${this.loops.size}, ${state} }`;
  }

  private registryError(what: string, error: unknown): RegistryError {
    const detail = errorText(error);
    return new RegistryError(this.name, `${what}: ${detail}`, { cause: error });
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new RegistryError(this.name, 'the registry is closed');
  }
}
