import { channels } from '../../events/channels.js';
import { backoffDelay } from '../../policy/backoffDelay.js';
import type { ServiceRegistry } from '../ServiceRegistry.js';
import type { SnapshotHub } from '../SnapshotHub.js';
import type { ConsulApi } from './ConsulApi.js';
import type { PublicOptions } from './ConsulRegistryOptions.js';
import { toConsulRequestError } from './ConsulRequestError.js';
import { filterExpression, type ServerFilter } from './filterExpression.js';
import { nextIndex } from './nextIndex.js';
import { TokenBucket } from './TokenBucket.js';
import { toInstances } from './toInstance.js';

export interface WatchLoopContext {
  readonly api: ConsulApi;
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
        const answer = await api.healthService(this.service, this.index, options.waitMs, this.expression, signal);
        if (signal.aborted) return;
        if (this.failures > 0) {
          this.failures = 0;
          // Put the registry's own services back first and read again, so that watchers do
          // not see them vanish for a moment after an agent restart.
          const restored = await this.context.onRecovered();
          if (signal.aborted) return;
          if (restored > 0) {
            this.index = 0n;
            this.applied = false;
            continue;
          }
        }
        const received = options.clock.now();
        // An answer at index 0 is still a first answer: only one after an applied answer can be unchanged.
        const unchanged = this.applied && answer.index === this.index;
        this.applied = true;
        this.index = nextIndex(this.index, answer.index);
        let changed = false;
        if (unchanged) {
          // Wait elapsed with nothing new: a re-confirmation, no need to rebuild instances.
          hub.publish(this.service, hub.instances(this.service), options.wallClock.now());
        } else {
          const instances = toInstances(this.service, answer.entries, options.zoneMetaKey, this.filter);
          changed = hub.publish(this.service, instances, options.wallClock.now());
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
