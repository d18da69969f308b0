import type { ServiceClient } from '../client/ServiceClient.js';
import type { Clock } from '../common/Clock.js';
import type { Disposable } from '../common/Disposable.js';
import { channels } from '../events/channels.js';
import type { Instance } from '../registry/Instance.js';
import type { CircuitBreaker, CircuitState, StateChange } from './CircuitBreaker.js';

/** Creates the breaker of one instance. */
export type BreakerFactory = (instance: Instance) => CircuitBreaker;

export interface InstanceBreakersOptions {
  readonly factory: BreakerFactory;
  readonly clock: Clock;
  /** Who the breakers' events are published for. */
  readonly client: ServiceClient;
  readonly service: string;
}

interface Entry {
  instance: Instance;
  readonly breaker: CircuitBreaker;
  readonly subscriptions: Disposable[];
  ejected: boolean;
}

/**
 * Outlier ejection: one breaker per instance; the balancer sees only instances whose
 * breaker admits calls, however many are out. There is no panic mode and no cap on
 * ejection (docs/client.md, "Ejection without panic"): a pick an open breaker refuses
 * sends nothing, so balancing over ejected instances would move no load off the ones
 * left; it would only cost re-picks. When none admits, every instance is returned, so the
 * pick is refused at once with the breaker's own error. The eligible list is cached and rebuilt only when membership or
 * a breaker's state changes, or when an open breaker's wait ends (open → half-open
 * happens lazily, without an event), so the steady state costs one comparison per call.
 */
export class InstanceBreakers implements Disposable {
  private readonly entries = new Map<string, Entry>();
  private lastInput: readonly Instance[] | undefined;
  private lastEligible: readonly Instance[] = [];
  private dirty = true;
  /** Clock time at which an open breaker may admit probes again. */
  private recheckAt = Number.POSITIVE_INFINITY;
  private noneAdmitted = false;

  constructor(private readonly options: InstanceBreakersOptions) {}

  /** True when, at the last look, no instance's breaker admitted calls: retrying is pointless. */
  get allEjected(): boolean {
    return this.noneAdmitted;
  }

  /** The breaker of `instance`, created on first use. */
  get(instance: Instance): CircuitBreaker {
    return this.entry(instance).breaker;
  }

  /** Creates breakers for new instances and disposes those of instances that left. */
  sync(instances: readonly Instance[]): void {
    const live = new Set<string>();
    for (const instance of instances) {
      live.add(instance.id);
      const existing = this.entries.get(instance.id);
      if (existing === undefined) this.tryEntry(instance);
      else existing.instance = instance;
    }
    for (const [id, entry] of this.entries) {
      if (live.has(id)) continue;
      if (entry.ejected) this.publishEjection(entry.instance, false, 'instance left the registry');
      this.disposeEntry(id, entry);
    }
    this.dirty = true;
  }

  /**
   * The instances to balance over: those whose breaker admits calls, or all of them when
   * none does. Returns the same array while nothing changed.
   */
  eligible(instances: readonly Instance[]): readonly Instance[] {
    if (
      instances === this.lastInput &&
      !this.dirty &&
      (this.recheckAt === Number.POSITIVE_INFINITY || this.options.clock.now() < this.recheckAt)
    ) {
      return this.lastEligible;
    }
    return this.rebuild(instances);
  }

  dispose(): void {
    for (const [id, entry] of this.entries) this.disposeEntry(id, entry);
    this.lastInput = undefined;
    this.lastEligible = [];
  }

  private rebuild(instances: readonly Instance[]): readonly Instance[] {
    const admitted: Instance[] = [];
    let recheckAt = Number.POSITIVE_INFINITY;
    const now = this.options.clock.now();
    for (const instance of instances) {
      const breaker = this.entry(instance).breaker;
      if (breaker.admits()) {
        admitted.push(instance);
      } else if (breaker.state === 'open') {
        recheckAt = Math.min(recheckAt, now + breaker.snapshot().retryAfterMs);
      }
    }
    this.noneAdmitted = instances.length > 0 && admitted.length === 0;
    this.lastInput = instances;
    this.lastEligible = admitted.length === 0 || admitted.length === instances.length ? instances : admitted;
    this.recheckAt = recheckAt;
    this.dirty = false;
    return this.lastEligible;
  }

  /**
   * A factory that throws (junk from a user's factory is a ConfigError) is left for the
   * next `eligible()`, which runs inside a call: the call fails with that error, rather
   * than the registry listener `sync` runs in.
   */
  private tryEntry(instance: Instance): void {
    try {
      this.entry(instance);
    } catch {
      // Reported by the call that next needs this breaker.
    }
  }

  private entry(instance: Instance): Entry {
    const existing = this.entries.get(instance.id);
    if (existing !== undefined) return existing;
    const breaker = this.options.factory(instance);
    const created: Entry = { instance, breaker, subscriptions: [], ejected: false };
    created.subscriptions.push(breaker.onStateChange((change) => this.onStateChange(created, change)));
    this.entries.set(instance.id, created);
    if (channels.breakerCreate.hasSubscribers) {
      const { client, service } = this.options;
      channels.breakerCreate.publish({ client, service, instance, breaker });
    }
    this.dirty = true;
    return created;
  }

  private onStateChange(entry: Entry, change: StateChange): void {
    this.dirty = true;
    if (channels.breakerState.hasSubscribers) {
      const { client, service } = this.options;
      channels.breakerState.publish({ client, service, instance: entry.instance, breaker: entry.breaker, change });
    }
    const ejected = isEjected(change.to);
    if (ejected === entry.ejected) return;
    entry.ejected = ejected;
    this.publishEjection(entry.instance, ejected, change.reason);
  }

  private publishEjection(instance: Instance, ejected: boolean, reason: string): void {
    if (!channels.ejection.hasSubscribers) return;
    const { client, service } = this.options;
    channels.ejection.publish({ client, service, instance, ejected, reason });
  }

  private disposeEntry(id: string, entry: Entry): void {
    for (const subscription of entry.subscriptions) subscription.dispose();
    entry.breaker.dispose();
    this.entries.delete(id);
    if (channels.breakerDispose.hasSubscribers) {
      const { client, service } = this.options;
      channels.breakerDispose.publish({ client, service, instance: entry.instance, breaker: entry.breaker });
    }
  }
}

/** Half-open instances take probes, so only open and isolated ones are out of the set. */
function isEjected(state: CircuitState): boolean {
  return state === 'open' || state === 'isolated';
}
