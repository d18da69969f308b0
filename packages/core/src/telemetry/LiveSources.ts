import { type Attributes, type BatchObservableCallback, diag, type Observable } from '@opentelemetry/api';
import type { CircuitBreaker, CircuitState } from '../breaker/CircuitBreaker.js';
import { CIRCUIT_STATES } from '../breaker/CircuitBreaker.js';
import type { Clock } from '../common/Clock.js';
import type { BulkheadGauges } from '../events/messages.js';
import type { Health } from '../registry/Instance.js';
import { HEALTH_VALUES } from '../registry/Instance.js';
import type { ServiceSnapshot } from '../registry/ServiceRegistry.js';
import { ATTR, BREAKER_STATE_VALUES } from './names.js';

/** What a registry knows of one service; a `ServiceSnapshot` fits. */
export type RegistryServiceState = Pick<ServiceSnapshot, 'instances' | 'updatedAt' | 'stale'>;

export type BreakerLike = Pick<CircuitBreaker, 'state' | 'onStateChange'>;

export interface BreakerEntry {
  readonly breaker: BreakerLike;
  readonly base: Attributes;
  readonly stateAttributes: ReadonlyArray<readonly [CircuitState, Attributes]>;
  /** Transition attribute sets, keyed `from>to`. */
  readonly transitions: Map<string, Attributes>;
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

/**
 * Everything read at collection time: tracked breakers, bulkheads, ejected instances and
 * registry views. Nothing is sampled between collections and no timers run.
 */
export class LiveSources {
  /** Keyed by the breaker itself: two clients may each have one for the same instance. */
  readonly breakers = new Map<object, BreakerEntry>();
  readonly bulkheads = new Map<object, BulkheadSource>();
  /** Per service: the ejected instances of each client, keyed `{client number}\n{instance id}`. */
  readonly ejected = new Map<string, { readonly base: Attributes; readonly ids: Set<string> }>();
  /** Picks per service and instance, with the attribute set they are reported under. */
  readonly picks = new Map<string, Map<string, { attributes: Attributes; count: number }>>();
  readonly registries = new Map<string, RegistryEntry>();

  breakerEntry(service: string, instanceId: string, breaker: BreakerLike): BreakerEntry {
    const base: Attributes = Object.freeze({ [ATTR.service]: service, [ATTR.instanceId]: instanceId });
    return {
      breaker,
      base,
      stateAttributes: CIRCUIT_STATES.map(
        (state) => [state, Object.freeze({ ...base, [ATTR.breakerState]: breakerStateValue(state) })] as const,
      ),
      transitions: new Map(),
    };
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
    for (const entry of this.registries.values()) {
      if (entry.owner !== registry) continue;
      entry.state = undefined;
      entry.owner = undefined;
    }
  }

  clear(): void {
    this.picks.clear();
    this.breakers.clear();
    this.bulkheads.clear();
    this.ejected.clear();
    this.registries.clear();
  }

  /** One batch callback that reads every live source; `wallClock` dates registry staleness. */
  observer(instruments: LiveInstruments, wallClock: Clock): BatchObservableCallback {
    return (result) => {
      for (const byInstance of this.picks.values()) {
        for (const { attributes, count } of byInstance.values()) result.observe(instruments.picks, count, attributes);
      }
      for (const entry of this.breakers.values()) {
        const current = read(() => entry.breaker.state);
        if (current === undefined) continue;
        for (const [state, attributes] of entry.stateAttributes) {
          result.observe(instruments.breakerState, state === current ? 1 : 0, attributes);
        }
      }
      for (const group of this.ejected.values()) {
        result.observe(instruments.ejected, distinctInstances(group.ids), group.base);
      }
      if (this.bulkheads.size > 0) observeBulkheads(this.bulkheads.values(), instruments, result);
      const now = wallClock.now();
      for (const entry of this.registries.values()) {
        const state = entry.state;
        if (state === undefined) continue;
        let passing = 0;
        let warning = 0;
        let critical = 0;
        for (const instance of state.instances) {
          if (instance.health === 'passing') passing++;
          else if (instance.health === 'warning') warning++;
          else critical++;
        }
        result.observe(instruments.registryInstances, passing, entry.byHealth.passing);
        result.observe(instruments.registryInstances, warning, entry.byHealth.warning);
        result.observe(instruments.registryInstances, critical, entry.byHealth.critical);
        result.observe(instruments.registryStale, state.stale ? 1 : 0, entry.base);
        if (state.updatedAt > 0) {
          result.observe(instruments.registryStaleness, Math.max(0, now - state.updatedAt) / 1000, entry.base);
        }
      }
    };
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
 * their calls add up. A gauge that throws leaves out the series it would have been part of.
 */
function observeBulkheads(
  bulkheads: Iterable<BulkheadSource>,
  instruments: LiveInstruments,
  result: Parameters<BatchObservableCallback>[0],
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
    if (inFlight !== undefined) result.observe(instruments.inFlight, inFlight, base);
    if (queued !== undefined) result.observe(instruments.queued, queued, base);
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
