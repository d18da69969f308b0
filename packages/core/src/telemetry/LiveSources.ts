import { type Attributes, type BatchObservableResult, diag, type Observable } from '@opentelemetry/api';
import type { CircuitBreaker } from '../breaker/CircuitBreaker.js';
import { CIRCUIT_STATES } from '../breaker/CircuitBreaker.js';
import type { Clock } from '../common/Clock.js';
import type { BulkheadGauges } from '../events/messages.js';
import type { Health } from '../registry/Instance.js';
import { HEALTH_VALUES } from '../registry/Instance.js';
import type { ServiceSnapshot } from '../registry/ServiceRegistry.js';
import type { DepartedSeries } from './DepartedSeries.js';
import { ATTR, BREAKER_STATE_VALUES } from './names.js';

/** What a registry knows of one service; a `ServiceSnapshot` fits. */
export type RegistryServiceState = Pick<ServiceSnapshot, 'instances' | 'updatedAt' | 'stale'>;

export type BreakerLike = Pick<CircuitBreaker, 'state' | 'onStateChange'>;

export interface BreakerEntry {
  readonly breaker: BreakerLike;
  readonly service: string;
}

/** The ejected instances of one service, per client (`{client number}\n{instance id}` keys). */
export interface EjectedGroup {
  readonly base: Attributes;
  /** Out of the balancing set now. */
  readonly ids: Set<string>;
  /** Ejected, and their breaker has not closed again since: "restored" is logged when it does. */
  readonly recovering: Set<string>;
}

export interface RegistryEntry {
  readonly base: Attributes;
  readonly byHealth: Readonly<Record<Health, Attributes>>;
  /** The latest state the registry published; read at collection time. */
  state: RegistryServiceState | undefined;
  /** The registry that published `state` (two registries may share a name). */
  owner: object | undefined;
}

/** The observable instruments the sources feed. */
export interface LiveInstruments {
  readonly picks: Observable;
  readonly breakerState: Observable;
  readonly ejected: Observable;
  readonly inFlight: Observable;
  readonly queued: Observable;
  readonly registryInstances: Observable;
  readonly registryStale: Observable;
  readonly registryStaleness: Observable;
}

/** Picks of one service by one balancer. */
interface PickTally {
  readonly attributes: Attributes;
  count: number;
}

/**
 * Everything read at collection time: tracked breakers, bulkheads, ejected instances and
 * registry views. Nothing is sampled between collections and no timers run.
 *
 * Every series is per service (never per instance): instance ids come and go with every
 * deployment, and the SDK keeps each attribute set it ever saw (see `DepartedSeries`), so
 * per-instance series would grow without bound and, past the SDK's cardinality limit,
 * push live instances into its overflow series. Which instance did what is in the spans
 * and log records.
 */
export class LiveSources {
  /** Keyed by the breaker itself: two clients may each have one for the same instance. */
  readonly breakers = new Map<object, BreakerEntry>();
  readonly bulkheads = new Map<object, BulkheadSource>();
  /** Per service: the ejected instances of each client. */
  readonly ejected = new Map<string, EjectedGroup>();
  /** Picks per service and balancer. */
  readonly picks = new Map<string, Map<string, PickTally>>();
  readonly registries = new Map<string, RegistryEntry>();
  /** `{ service, state }` sets per service, for the services with live breakers. */
  private readonly stateAttributes = new Map<string, ReadonlyArray<Attributes>>();

  breakerEntry(service: string, breaker: BreakerLike): BreakerEntry {
    return { breaker, service };
  }

  ejectedGroup(service: string, base: Attributes): EjectedGroup {
    let group = this.ejected.get(service);
    if (group === undefined) {
      group = { base, ids: new Set(), recovering: new Set() };
      this.ejected.set(service, group);
    }
    return group;
  }

  registryEntry(registryName: string, service: string): RegistryEntry {
    const key = `${registryName}\n${service}`;
    let entry = this.registries.get(key);
    if (entry === undefined) {
      const base: Attributes = Object.freeze({ [ATTR.registry]: registryName, [ATTR.service]: service });
      const byHealth = {} as Record<Health, Attributes>;
      for (const health of HEALTH_VALUES) byHealth[health] = Object.freeze({ ...base, [ATTR.instanceHealth]: health });
      entry = { base, byHealth, state: undefined, owner: undefined };
      this.registries.set(key, entry);
    }
    return entry;
  }

  /** Stops reporting what `registry` published: it closed, or nobody observes it any more. */
  forgetRegistry(registry: object): void {
    for (const [key, entry] of this.registries) {
      if (entry.owner === registry) this.registries.delete(key);
    }
  }

  clear(): void {
    this.picks.clear();
    this.breakers.clear();
    this.bulkheads.clear();
    this.ejected.clear();
    this.registries.clear();
    this.stateAttributes.clear();
  }

  /**
   * Reports every live source once; a level series whose source went away since the last
   * collection is reported as 0 by `departed.finish`, which the caller runs after this.
   */
  observe(
    instruments: LiveInstruments,
    departed: DepartedSeries,
    result: BatchObservableResult,
    wallClock: Clock,
  ): void {
    for (const byBalancer of this.picks.values()) {
      for (const { attributes, count } of byBalancer.values()) {
        departed.observe(result, instruments.picks, count, attributes);
      }
    }
    const services = this.observeBreakers(instruments, departed, result);
    for (const [service, group] of this.ejected) {
      if (group.ids.size === 0 && group.recovering.size === 0 && !services.has(service)) {
        this.ejected.delete(service);
        continue;
      }
      departed.observe(result, instruments.ejected, distinctInstances(group.ids), group.base);
    }
    if (this.bulkheads.size > 0) observeBulkheads(this.bulkheads.values(), instruments, departed, result);
    const now = wallClock.now();
    for (const [key, entry] of this.registries) {
      const state = entry.state;
      // Only an attribute cache (a refresh or an error before any snapshot): made again on use.
      if (state === undefined) {
        this.registries.delete(key);
        continue;
      }
      let passing = 0;
      let warning = 0;
      let critical = 0;
      for (const instance of state.instances) {
        if (instance.health === 'passing') passing++;
        else if (instance.health === 'warning') warning++;
        else critical++;
      }
      departed.observe(result, instruments.registryInstances, passing, entry.byHealth.passing);
      departed.observe(result, instruments.registryInstances, warning, entry.byHealth.warning);
      departed.observe(result, instruments.registryInstances, critical, entry.byHealth.critical);
      departed.observe(result, instruments.registryStale, state.stale ? 1 : 0, entry.base);
      if (state.updatedAt > 0) {
        departed.observe(result, instruments.registryStaleness, Math.max(0, now - state.updatedAt) / 1000, entry.base);
      }
    }
  }

  /**
   * Breakers per service and state (every state reported, 0 included); a breaker whose
   * state cannot be read is left out. Returns the services that have live breakers.
   */
  private observeBreakers(
    instruments: LiveInstruments,
    departed: DepartedSeries,
    result: BatchObservableResult,
  ): Set<string> {
    const counts = new Map<string, number[]>();
    for (const entry of this.breakers.values()) {
      let byState = counts.get(entry.service);
      if (byState === undefined) {
        byState = CIRCUIT_STATES.map(() => 0);
        counts.set(entry.service, byState);
      }
      const current = read(() => entry.breaker.state);
      const index = current === undefined ? -1 : CIRCUIT_STATES.indexOf(current);
      if (index >= 0) byState[index] = (byState[index] ?? 0) + 1;
    }
    for (const service of this.stateAttributes.keys()) {
      if (!counts.has(service)) this.stateAttributes.delete(service);
    }
    for (const [service, byState] of counts) {
      let attributes = this.stateAttributes.get(service);
      if (attributes === undefined) {
        attributes = CIRCUIT_STATES.map((state) =>
          Object.freeze({ [ATTR.service]: service, [ATTR.breakerState]: breakerStateValue(state) }),
        );
        this.stateAttributes.set(service, attributes);
      }
      for (let i = 0; i < attributes.length; i++) {
        departed.observe(result, instruments.breakerState, byState[i] ?? 0, attributes[i] as Attributes);
      }
    }
    return new Set(counts.keys());
  }
}

/** Instances out of at least one client's balancing set, from `{client}\n{instance id}` keys. */
function distinctInstances(keys: ReadonlySet<string>): number {
  if (keys.size < 2) return keys.size;
  const ids = new Set<string>();
  for (const key of keys) ids.add(key.slice(key.indexOf('\n') + 1));
  return ids.size;
}

type BulkheadSource = { readonly source: BulkheadGauges; readonly base: Attributes };

/**
 * Bulkheads of one service (two clients sharing a telemetry each have one) share a series:
 * their calls add up. A gauge that throws leaves out the series it would have been part of
 * (reported as gone: 0, see `DepartedSeries`).
 */
function observeBulkheads(
  bulkheads: Iterable<BulkheadSource>,
  instruments: LiveInstruments,
  departed: DepartedSeries,
  result: BatchObservableResult,
): void {
  const sums = new Map<Attributes, { inFlight: number | undefined; queued: number | undefined }>();
  for (const { source, base } of bulkheads) {
    const running = read(() => source.inFlight);
    const waiting = read(() => source.queued);
    const sum = sums.get(base);
    if (sum === undefined) {
      sums.set(base, { inFlight: running, queued: waiting });
    } else {
      sum.inFlight = sum.inFlight === undefined || running === undefined ? undefined : sum.inFlight + running;
      sum.queued = sum.queued === undefined || waiting === undefined ? undefined : sum.queued + waiting;
    }
  }
  for (const [base, { inFlight, queued }] of sums) {
    if (inFlight !== undefined) departed.observe(result, instruments.inFlight, inFlight, base);
    if (queued !== undefined) departed.observe(result, instruments.queued, queued, base);
  }
}

/** Breaker state as an attribute value: snake_case like semconv enum members. */
export function breakerStateValue(state: string): string {
  return (BREAKER_STATE_VALUES as Record<string, string>)[state] ?? state.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
}

/** Runs a user-supplied reader; a throwing one skips its series instead of the whole collection. */
function read<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    diag.warn('Switchyard telemetry: a state reader threw', error);
    return undefined;
  }
}
