import type { Disposable } from '../common/Disposable.js';
import type { Health, Instance, InstanceInput } from './Instance.js';

/** Narrows the instances a resolve or watch returns. */
export interface InstanceFilter {
  /** Instances must carry every one of these tags. */
  readonly tags?: readonly string[];
  /** Instances must have these exact meta values. */
  readonly meta?: Readonly<Record<string, string>>;
  /** Health values to include; default `['passing', 'warning']`. */
  readonly health?: readonly Health[];
  /** Only instances in this zone. */
  readonly zone?: string;
}

/** An immutable view of a service's instances at one moment. */
export interface ServiceSnapshot {
  readonly service: string;
  readonly instances: readonly Instance[];
  /** Increases whenever the instance set changes; equal versions mean equal contents. */
  readonly version: number;
  /** True when the registry could not confirm this view recently and serves the last known one. */
  readonly stale: boolean;
  /** When this view was last confirmed by the source, in ms since the epoch. */
  readonly updatedAt: number;
}

/** A service registration: an instance plus how its health is checked. */
export interface Registration extends InstanceInput {
  /** The service name (required). */
  service: string;
  check?: HealthCheck;
}

/** How a registry (Consul) checks a registered instance. Ignored by the static registry. */
export type HealthCheck =
  | {
      readonly type: 'http';
      readonly url: string;
      readonly interval: string;
      readonly timeout?: string;
      readonly deregisterCriticalServiceAfter?: string;
    }
  | {
      readonly type: 'tcp';
      readonly address: string;
      readonly interval: string;
      readonly timeout?: string;
      readonly deregisterCriticalServiceAfter?: string;
    }
  | { readonly type: 'ttl'; readonly ttl: string; readonly deregisterCriticalServiceAfter?: string };

export type SnapshotListener = (snapshot: ServiceSnapshot) => void;

/** Finds the instances of services and keeps callers up to date. */
export interface ServiceRegistry {
  /** Short name for telemetry and errors, e.g. `static` or `consul`. */
  readonly name: string;
  /** The current instances of `service`. Never rejects for an unknown service: returns an empty snapshot. */
  resolve(service: string, filter?: InstanceFilter): Promise<ServiceSnapshot>;
  /**
   * Delivers the current snapshot first, then every change, until disposed.
   * Listeners never see a rejected promise: failures show as `stale` snapshots.
   */
  watch(service: string, listener: SnapshotListener, filter?: InstanceFilter): Disposable;
  /** Registers an instance; returns its id. */
  register(registration: Registration): Promise<string>;
  deregister(id: string): Promise<void>;
  /** Stops watches and timers, deregisters what this registry registered where that applies. */
  close(): Promise<void>;
}
