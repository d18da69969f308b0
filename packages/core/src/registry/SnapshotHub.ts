import type { Clock } from '../common/Clock.js';
import { type Disposable, toDisposable } from '../common/Disposable.js';
import { EventEmitter } from '../common/Event.js';
import { describeError } from '../errors/safeRead.js';
import { channels } from '../events/channels.js';
import type { Instance } from './Instance.js';
import { matchesFilter } from './matchesFilter.js';
import type { InstanceFilter, ServiceRegistry, ServiceSnapshot, SnapshotListener } from './ServiceRegistry.js';
import { sameInstances } from './sameInstances.js';

export interface SnapshotHubOptions {
  /** Wall clock for `updatedAt`, in ms since the epoch. Default `Date.now`. */
  readonly clock?: Clock;
  /**
   * When true, watchers of a service that was never published (nor marked stale) wait
   * for its first publish instead of getting an empty version-0 snapshot. A remote
   * registry sets this so watchers do not see a false "no instances" before its
   * first answer; the static registry leaves it off because its answer is immediate.
   */
  readonly awaitFirstPublish?: boolean;
  /** Receives errors thrown by snapshot listeners. Default: a process warning. */
  readonly onListenerError?: (error: unknown) => void;
  /** A service got its first watcher (a remote registry starts polling it here). Must not throw. */
  readonly onWatchStart?: (service: string) => void;
  /** A service lost its last watcher (a remote registry stops polling it here). Not called by `close()`. Must not throw. */
  readonly onWatchStop?: (service: string) => void;
  /** The registry this hub serves: its changes are published on `switchyard:registry:*` channels for it. */
  readonly registry?: ServiceRegistry;
}

interface ServiceState {
  readonly instances: readonly Instance[];
  readonly version: number;
  stale: boolean;
  updatedAt: number;
  /** The default-filter snapshot, shared by every caller until the state changes. */
  view: ServiceSnapshot | undefined;
}

interface Watcher {
  active: boolean;
  /** Service version at the last check, delivered or not. */
  seenVersion: number;
  last: ServiceSnapshot | undefined;
}

const NO_INSTANCES: readonly Instance[] = Object.freeze([]);

/**
 * The in-memory heart of a registry: the last known instances of each service, their
 * version, staleness, and the watchers to tell about changes. A registry feeds it with
 * `publish`/`markStale` and answers `resolve`/`watch` from it.
 *
 * Semantics every registry built on it shares:
 * - A service's version increases by one whenever its instance list changes (compared
 *   field by field, order included) and never otherwise; an unknown service is empty
 *   at version 0. Equal versions therefore mean equal instance lists.
 * - Snapshots and their instance arrays are frozen.
 * - A watcher gets its first snapshot on a microtask after `watch()` returns (never
 *   synchronously, so it can always dispose the handle from inside its listener), then
 *   one snapshot per change, synchronously from the `publish`/`markStale` that made it.
 * - A watcher only hears about changes it can see: when its filtered instances and
 *   the stale flag are unchanged it is skipped, so the versions it sees may jump.
 * - Versions a watcher sees never go backwards, even when a listener publishes from
 *   inside its callback (every delivery reads the current state).
 * - A listener that throws is reported to `onListenerError`; other watchers still run.
 */
export class SnapshotHub {
  private readonly clock: Clock;
  private readonly awaitFirstPublish: boolean;
  private readonly onListenerError: (error: unknown) => void;
  private readonly onWatchStart: ((service: string) => void) | undefined;
  private readonly onWatchStop: ((service: string) => void) | undefined;
  private readonly registry: ServiceRegistry | undefined;
  private readonly states = new Map<string, ServiceState>();
  private readonly emitters = new Map<string, EventEmitter<void>>();
  private readonly createdAt: number;
  private isClosed = false;

  constructor(options: SnapshotHubOptions = {}) {
    this.clock = options.clock ?? { now: Date.now };
    this.awaitFirstPublish = options.awaitFirstPublish ?? false;
    const handler = options.onListenerError;
    // A handler that throws itself must not break publishing or skip other watchers.
    this.onListenerError =
      handler === undefined
        ? reportListenerError
        : (error) => {
            try {
              handler(error);
            } catch (handlerError) {
              reportListenerError(handlerError);
            }
          };
    this.onWatchStart = options.onWatchStart;
    this.onWatchStop = options.onWatchStop;
    this.registry = options.registry;
    this.createdAt = this.clock.now();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Services that were published or marked stale. */
  services(): string[] {
    return [...this.states.keys()];
  }

  /** The current, unfiltered instances of `service` (empty when unknown). */
  instances(service: string): readonly Instance[] {
    return this.states.get(service)?.instances ?? NO_INSTANCES;
  }

  /** Number of services with at least one watcher. */
  get watchedServices(): number {
    return this.emitters.size;
  }

  /** The current snapshot of `service`, filtered (health defaults to passing and warning). */
  snapshot(service: string, filter?: InstanceFilter): ServiceSnapshot {
    return this.view(service, this.states.get(service), filter);
  }

  /**
   * Replaces the instances of `service` as confirmed by the source at `updatedAt`, and
   * clears its stale flag, or sets it when `stale` (a list the source only partly
   * confirmed). Returns whether the instance list changed (and the version grew).
   */
  publish(
    service: string,
    instances: readonly Instance[],
    updatedAt: number = this.clock.now(),
    stale = false,
  ): boolean {
    if (this.isClosed) return false;
    const previous = this.states.get(service);
    const current = previous?.instances ?? NO_INSTANCES;
    const changed = !sameInstances(current, instances);
    if (!changed && previous !== undefined && previous.stale === stale) {
      // A re-confirmation: newer timestamp, nothing for watchers to see.
      previous.updatedAt = updatedAt;
      previous.view = undefined;
      this.announce(service, previous);
      return false;
    }
    const state: ServiceState = {
      instances: changed ? freezeList(instances) : current,
      version: (previous?.version ?? 0) + (changed ? 1 : 0),
      stale,
      updatedAt,
      view: undefined,
    };
    this.states.set(service, state);
    this.announce(service, state);
    this.emitters.get(service)?.emit();
    return changed;
  }

  /**
   * The source could not confirm `service`: keep serving the last known instances,
   * flagged stale. A service never published becomes an empty stale snapshot with
   * `updatedAt` 0 (never confirmed), so waiting watchers learn about the failure.
   */
  markStale(service: string): void {
    if (this.isClosed) return;
    const previous = this.states.get(service);
    if (previous?.stale) return;
    let state = previous;
    if (state === undefined) {
      state = { instances: NO_INSTANCES, version: 0, stale: true, updatedAt: 0, view: undefined };
      this.states.set(service, state);
    } else {
      state.stale = true;
      state.view = undefined;
    }
    this.announce(service, state);
    this.emitters.get(service)?.emit();
  }

  /** See the class comment for delivery semantics. After `close()` this returns an inert handle. */
  watch(service: string, listener: SnapshotListener, filter?: InstanceFilter): Disposable {
    if (this.isClosed) return toDisposable(() => {});
    let emitter = this.emitters.get(service);
    const first = emitter === undefined;
    if (emitter === undefined) {
      emitter = new EventEmitter<void>(this.onListenerError);
      this.emitters.set(service, emitter);
    }
    const watcher: Watcher = { active: true, seenVersion: -1, last: undefined };
    const deliver = (): void => {
      if (!watcher.active || this.isClosed) return;
      const state = this.states.get(service);
      if (state === undefined && this.awaitFirstPublish) return;
      const version = state?.version ?? 0;
      const stale = state?.stale ?? false;
      const last = watcher.last;
      if (last !== undefined && version === watcher.seenVersion && stale === last.stale) return;
      watcher.seenVersion = version;
      const snapshot = this.view(service, state, filter);
      if (last !== undefined && stale === last.stale && sameInstances(last.instances, snapshot.instances)) return;
      watcher.last = snapshot;
      listener(snapshot);
    };
    const subscription = emitter.event(deliver);
    queueMicrotask(() => {
      try {
        deliver();
      } catch (error) {
        this.onListenerError(error);
      }
    });
    const owner = emitter;
    const handle = toDisposable(() => {
      watcher.active = false;
      subscription.dispose();
      if (owner.size === 0 && this.emitters.get(service) === owner) {
        this.emitters.delete(service);
        if (!this.isClosed) this.onWatchStop?.(service);
      }
    });
    if (first) {
      // Observers that came after the last change learn what is known once someone watches.
      const known = this.states.get(service);
      if (known !== undefined) this.announce(service, known);
      this.onWatchStart?.(service);
    }
    return handle;
  }

  /** Drops every watcher; pending first deliveries are skipped. Publishing afterwards is a no-op. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const emitter of this.emitters.values()) emitter.clear();
    this.emitters.clear();
    if (this.registry !== undefined && channels.registryClose.hasSubscribers) {
      channels.registryClose.publish({ registry: this.registry });
    }
  }

  /** Publishes what is now known of `service`, every instance whatever its health. */
  private announce(service: string, state: ServiceState): void {
    const registry = this.registry;
    if (registry === undefined || !channels.registrySnapshot.hasSubscribers) return;
    const { instances, version, stale, updatedAt } = state;
    channels.registrySnapshot.publish({
      registry,
      service,
      snapshot: Object.freeze({ service, instances, version, stale, updatedAt }),
    });
  }

  private view(service: string, state: ServiceState | undefined, filter: InstanceFilter | undefined): ServiceSnapshot {
    if (state === undefined) {
      return Object.freeze({ service, instances: NO_INSTANCES, version: 0, stale: false, updatedAt: this.createdAt });
    }
    if (filter === undefined && state.view !== undefined) return state.view;
    const all = state.instances;
    const kept = all.filter((instance) => matchesFilter(instance, filter));
    const snapshot: ServiceSnapshot = Object.freeze({
      service,
      // Share the frozen list when the filter kept everything.
      instances: kept.length === all.length ? all : Object.freeze(kept),
      version: state.version,
      stale: state.stale,
      updatedAt: state.updatedAt,
    });
    if (filter === undefined) state.view = snapshot;
    return snapshot;
  }
}

function freezeList(instances: readonly Instance[]): readonly Instance[] {
  return Object.isFrozen(instances) ? instances : Object.freeze([...instances]);
}

function reportListenerError(error: unknown): void {
  // A watcher's bug must not break the registry or crash the process (read safely, now).
  const text = describeError(error);
  queueMicrotask(() => {
    process.emitWarning(`Switchyard snapshot listener threw: ${text}`);
  });
}
