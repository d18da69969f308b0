import { channels } from '../../events/channels.js';
import { backoffDelay } from '../../policy/backoffDelay.js';
import type { Instance } from '../Instance.js';
import type { InstanceFilter, ServiceRegistry, ServiceSnapshot } from '../ServiceRegistry.js';
import type { SnapshotHub } from '../SnapshotHub.js';
import type { AgentIdentity } from './AgentIdentity.js';
import type { ConsulApi } from './ConsulApi.js';
import type { PublicOptions } from './ConsulRegistryOptions.js';
import { toConsulRequestError } from './ConsulRequestError.js';
import { filterExpression, type ServerFilter } from './filterExpression.js';
import { heldInstances } from './heldInstances.js';
import { nextIndex } from './nextIndex.js';
import { TokenBucket } from './TokenBucket.js';
import { toInstances } from './toInstance.js';

const ALL_HEALTH: InstanceFilter = { health: ['passing', 'warning', 'critical'] };

export interface WatchLoopContext {
  readonly api: ConsulApi;
  /** The local agent's NodeID, shared by the registry's loops. */
  readonly identity: AgentIdentity;
  readonly hub: SnapshotHub;
  /** The registry whose events this loop publishes. */
  readonly registry: ServiceRegistry;
  readonly options: PublicOptions;
  /**
   * Called when a query succeeds after one or more failures (the agent may have restarted
   * with empty state); resolves with how many of the registry's own services it had to
   * register again.
   */
  readonly onRecovered: () => Promise<number>;
}

/**
 * The one blocking-query loop of a watched service, shared by all its watchers: it
 * publishes each answer to the hub, and on failure keeps the last instances (marked
 * stale), reports the error and backs off, until `stop()`. It never ends on its own and
 * never rejects: anything unexpected is reported and retried like a failed query.
 *
 * Index handling follows Consul's "Blocking Queries" notes (see `nextIndex`); after any
 * failure the index is reset to 0, so the first query after an outage is a plain read
 * that cannot block on an index a restarted agent will not reach for a long time.
 *
 * A restarted agent (a dev agent, or one whose data was wiped) answers with what it has
 * been told since it started, often nothing. So the first answer after a failure, and any
 * whose index went backwards, is checked: when the agent's NodeID changed (or, if it
 * cannot be read, the index went backwards) the instances known before are held, stale,
 * beside the new answer until every one is back or `restartGraceMs` passes.
 */
export class ServiceWatchLoop {
  /** Settles (never rejects) after the first answer or the first failure. */
  readonly ready: Promise<void>;
  private markReady: () => void = () => {};
  private readonly controller = new AbortController();
  private readonly bucket: TokenBucket | undefined;
  private readonly filter: ServerFilter | undefined;
  private readonly expression: string | undefined;
  private index = 0n;
  /** Whether `index` is that of an answer this loop applied (not the 0 it starts and resets to). */
  private applied = false;
  private failures = 0;
  /** Index of the last answer applied; unlike `index`, failures do not reset it. */
  private lastIndex = 0n;
  /** The agent's NodeID as of the last answer applied, when it could be read. */
  private nodeId: string | undefined;
  private identified = false;
  /** While a restarted agent is repopulated: the instances known before, kept until `until` (monotonic). */
  private hold:
    | { readonly instances: readonly Instance[]; readonly updatedAt: number; readonly until: number }
    | undefined;

  constructor(
    readonly service: string,
    private readonly context: WatchLoopContext,
  ) {
    const { options } = context;
    this.ready = new Promise<void>((resolve) => {
      this.markReady = resolve;
    });
    this.bucket =
      options.rateLimit === false
        ? undefined
        : new TokenBucket(options.rateLimit.intervalMs, options.rateLimit.burst, options.clock);
    this.filter = options.serverFilters.get(service);
    this.expression = filterExpression(this.filter);
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  start(): void {
    this.run().catch(async (error: unknown) => {
      // run() catches everything itself; this is the last line of defence against a silent end.
      if (this.stopped) return;
      this.report(error);
      this.failures += 1;
      if (await pause(this.backoff(), this.controller.signal)) this.start();
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.controller.abort();
    this.markReady();
  }

  private async run(): Promise<void> {
    const { api, hub, options } = this.context;
    const signal = this.controller.signal;
    while (!signal.aborted) {
      const wait = this.bucket?.take() ?? 0;
      if (wait > 0 && !(await pause(wait, signal))) return;
      try {
        const answer = await api.healthService(this.service, this.index, this.queryWait(), this.expression, signal);
        if (signal.aborted) return;
        const recovering = this.failures > 0;
        const backwards = answer.index < this.lastIndex;
        let instances: Instance[] | undefined;
        if (recovering || backwards) {
          instances = toInstances(this.service, answer.entries, options.zoneMetaKey, this.filter);
          const restored = await this.afterGap(instances, recovering, backwards);
          if (signal.aborted) return;
          this.failures = 0;
          if (restored > 0) {
            this.index = 0n;
            this.applied = false;
            continue;
          }
        } else if (!this.identified) {
          // Learn who answered, without delaying the first snapshot.
          this.identified = true;
          this.learnIdentity();
        }
        const received = options.clock.now();
        // An answer at index 0 is still a first answer: only one after an applied answer can be unchanged.
        const unchanged = this.applied && answer.index === this.index && this.hold === undefined;
        this.applied = true;
        this.index = nextIndex(this.index, answer.index);
        this.lastIndex = answer.index;
        let changed = false;
        if (unchanged) {
          // Wait elapsed with nothing new: a re-confirmation, no need to rebuild instances.
          hub.publish(this.service, hub.instances(this.service), options.wallClock.now());
        } else {
          instances ??= toInstances(this.service, answer.entries, options.zoneMetaKey, this.filter);
          changed = this.publish(instances, received);
        }
        if (changed && channels.registryRefresh.hasSubscribers) {
          const durationMs = options.clock.now() - received;
          channels.registryRefresh.publish({ registry: this.context.registry, service: this.service, durationMs });
        }
        this.markReady();
      } catch (error) {
        if (signal.aborted) return;
        this.failures += 1;
        this.index = 0n;
        this.applied = false;
        hub.markStale(this.service);
        this.markReady();
        this.report(error);
        if (!(await pause(this.backoff(), signal))) return;
      }
    }
  }

  /** Publishes the answer, or while a restarted agent is repopulated, the answer beside the held instances, stale. */
  private publish(instances: readonly Instance[], received: number): boolean {
    const { hub, options } = this.context;
    const hold = this.hold;
    const merged = hold === undefined || received >= hold.until ? undefined : heldInstances(hold.instances, instances);
    if (hold === undefined || merged === undefined) {
      this.hold = undefined;
      return hub.publish(this.service, instances, options.wallClock.now());
    }
    // Not confirmed as a whole: keep the time of the last full confirmation.
    return hub.publish(this.service, merged, hold.updatedAt, true);
  }

  /**
   * The first answer after a failure, or one whose index went backwards: puts the
   * registry's own services back (resolving with how many it had to), and when the answer
   * lacks instances known before, asks the agent who it is, to tell a restart (then they
   * are held) from a change made while it was unreachable (then it is the truth).
   */
  private async afterGap(instances: readonly Instance[], recovering: boolean, backwards: boolean): Promise<number> {
    const { hub, identity } = this.context;
    const restoring = recovering ? this.context.onRecovered() : Promise.resolve(0);
    const known = hub.snapshot(this.service, ALL_HEALTH);
    if (known.instances.length === 0 || heldInstances(known.instances, instances) === undefined) {
      // Nothing would be dropped: no need to wait for the answer to who it is.
      this.learnIdentity();
      return restoring;
    }
    const [restored, nodeId] = await Promise.all([restoring, identity.read()]);
    const before = this.nodeId;
    if (nodeId !== undefined) this.nodeId = nodeId;
    // The NodeID decides when it is known on both sides; else an index that went backwards does.
    const restarted = nodeId !== undefined && before !== undefined ? nodeId !== before : backwards;
    if (restarted) this.startHold(known);
    return restored;
  }

  private learnIdentity(): void {
    void this.context.identity.read().then((id) => {
      if (id !== undefined) this.nodeId = id;
    });
  }

  /** The agent restarted: hold what was known (once per restart; a second one keeps the first deadline). */
  private startHold(known: ServiceSnapshot): void {
    const { options } = this.context;
    if (this.hold !== undefined || options.restartGraceMs <= 0) return;
    this.hold = {
      instances: known.instances,
      updatedAt: known.updatedAt,
      until: options.clock.now() + options.restartGraceMs,
    };
  }

  /** A blocking query returns by the end of a hold at the latest, so the grace is kept to. */
  private queryWait(): number {
    const { waitMs, clock } = this.context.options;
    if (this.hold === undefined) return waitMs;
    return Math.max(1, Math.min(waitMs, Math.ceil(this.hold.until - clock.now())));
  }

  /** Doubling from `minRetryMs` per consecutive failure up to `maxRetryMs`, each between half and all of it. */
  private backoff(): number {
    const { minRetryMs, maxRetryMs, random } = this.context.options;
    return backoffDelay(
      { initialDelayMs: minRetryMs, maxDelayMs: maxRetryMs, multiplier: 2, jitter: 'equal' },
      this.failures,
      minRetryMs,
      random,
    );
  }

  private report(error: unknown): void {
    if (!channels.registryError.hasSubscribers) return;
    try {
      const reported = toConsulRequestError(`watch ${this.service}`, error);
      channels.registryError.publish({ registry: this.context.registry, service: this.service, error: reported });
    } catch {
      // Reporting must never stop the loop (nor reject where nobody listens).
    }
  }
}

/** Waits `ms` on an unref'd timer; false when `signal` aborted first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
