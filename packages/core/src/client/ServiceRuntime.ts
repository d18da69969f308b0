import type { Balancer, PickContext } from '../balancer/Balancer.js';
import { InstanceBreakers } from '../breaker/InstanceBreakers.js';
import type { Clock } from '../common/Clock.js';
import type { Disposable } from '../common/Disposable.js';
import { BrokenCircuitError } from '../errors/BrokenCircuitError.js';
import { NoInstancesError } from '../errors/NoInstancesError.js';
import { channels } from '../events/channels.js';
import type { BulkheadPolicy } from '../policy/BulkheadPolicy.js';
import type { HedgingPolicy } from '../policy/HedgingPolicy.js';
import type { RetryPolicy } from '../policy/RetryPolicy.js';
import type { TimeoutPolicy } from '../policy/TimeoutPolicy.js';
import type { Instance } from '../registry/Instance.js';
import type { ServiceRegistry, ServiceSnapshot } from '../registry/ServiceRegistry.js';
import type { AttemptTracer } from './AttemptTracer.js';
import { buildPipeline, type Pipeline } from './pipeline.js';
import type { ServicePlan } from './resolveClientOptions.js';
import type { ServiceClient } from './ServiceClient.js';

/**
 * What the client keeps for one service: the live snapshot from a registry watch, its
 * balancer, per-instance breakers and policies, built from the service's plan, and the
 * pipeline that runs its calls. Policy events are published on the Switchyard channels.
 */
export class ServiceRuntime implements Disposable {
  readonly balancer: Balancer;
  /** Shared by calls without a routing key, so they allocate none. */
  readonly pickContext: PickContext;
  readonly breakers: InstanceBreakers | undefined;
  readonly retry: RetryPolicy | undefined;
  readonly timeout: TimeoutPolicy | undefined;
  readonly bulkhead: BulkheadPolicy | undefined;
  readonly hedge: HedgingPolicy | undefined;
  /** Whether a call may make more than one attempt (so picks remember what was tried). */
  readonly repeats: boolean;
  readonly run: Pipeline;
  private snapshot: ServiceSnapshot | undefined;
  private ready: Promise<void> | undefined;
  private readonly disposables: Disposable[] = [];

  constructor(
    readonly service: string,
    private readonly plan: ServicePlan,
    readonly clock: Clock,
    client: ServiceClient,
    tracer: AttemptTracer | undefined,
  ) {
    this.balancer = plan.balancer(service);
    this.pickContext = { service };
    const breakerFactory = plan.breaker;
    if (breakerFactory !== undefined) {
      this.breakers = new InstanceBreakers({
        factory: (instance: Instance) => breakerFactory(service, instance),
        clock,
        client,
        service,
      });
    }
    this.retry = plan.retry?.((error) => this.breakers?.allEjected === true && error instanceof BrokenCircuitError);
    this.timeout = plan.timeout?.();
    this.bulkhead = plan.bulkhead?.();
    this.hedge = plan.hedge?.();
    this.repeats = this.retry !== undefined || this.hedge !== undefined;
    this.publishPolicyEvents(client);
    this.run = buildPipeline(this, tracer);
  }

  /**
   * Keeps the snapshot current through a registry watch. The first snapshot also races a
   * plain resolve, so a watch that is slow to start does not hold up the first call.
   */
  follow(registry: ServiceRegistry): void {
    let markReady: () => void = () => {};
    const watchReady = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const filter = this.plan.filter;
    this.disposables.push(
      registry.watch(
        this.service,
        (snapshot) => {
          this.accept(snapshot);
          markReady();
        },
        filter,
      ),
    );
    const resolved = registry.resolve(this.service, filter).then((snapshot) => {
      if (this.snapshot === undefined) this.accept(snapshot);
    });
    this.ready = Promise.race([watchReady, resolved]);
    // A failed resolve is reported by the first call that needs it; never unhandled.
    this.ready.catch(() => {});
  }

  /** Resolves once the first snapshot arrived (at once when it has); rejects if the registry failed first. */
  firstSnapshot(): Promise<void> {
    if (this.snapshot !== undefined) return Promise.resolve();
    return this.ready ?? Promise.reject(new NoInstancesError(this.service, 'no registry is followed'));
  }

  get hasSnapshot(): boolean {
    return this.snapshot !== undefined;
  }

  /** Calls of this service running now; the client evicts only idle runtimes. */
  inFlight = 0;

  /** The registry answered, and knows no instance of this service (a typo, a retired name). */
  get knowsNothing(): boolean {
    return this.snapshot !== undefined && this.snapshot.instances.length === 0;
  }

  /** The instances to balance over now: known ones whose breaker admits calls (see InstanceBreakers). */
  eligible(): readonly Instance[] {
    const instances = this.snapshot?.instances ?? [];
    if (instances.length === 0) throw new NoInstancesError(this.service, this.describeEmpty());
    return this.breakers === undefined ? instances : this.breakers.eligible(instances);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    this.breakers?.dispose();
    this.balancer.retain?.([]);
  }

  /** Bridges the policies' own events to the process-wide channels, with the service's name. */
  private publishPolicyEvents(client: ServiceClient): void {
    const service = this.service;
    const retry = this.retry;
    if (retry !== undefined) {
      this.disposables.push(
        retry.onRetry(({ attempt, delayMs, error }) => {
          if (channels.retry.hasSubscribers) channels.retry.publish({ client, service, attempt, delayMs, error });
        }),
        retry.onBudgetExhausted(({ attempts, error }) => {
          if (channels.retryBudgetExhausted.hasSubscribers) {
            channels.retryBudgetExhausted.publish({ client, service, attempts, error });
          }
        }),
      );
    }
    const hedge = this.hedge;
    if (hedge !== undefined) {
      this.disposables.push(
        hedge.onHedge(({ attempt }) => {
          if (channels.hedge.hasSubscribers) channels.hedge.publish({ client, service, attempt });
        }),
      );
    }
    const bulkhead = this.bulkhead;
    if (bulkhead !== undefined) {
      this.disposables.push(
        bulkhead.onReject(() => {
          if (channels.bulkheadReject.hasSubscribers) channels.bulkheadReject.publish({ client, service });
        }),
      );
      if (channels.bulkheadCreate.hasSubscribers) channels.bulkheadCreate.publish({ client, service, bulkhead });
      this.disposables.push({
        dispose: () => {
          if (channels.bulkheadDispose.hasSubscribers) channels.bulkheadDispose.publish({ client, service, bulkhead });
        },
      });
    }
  }

  private accept(snapshot: ServiceSnapshot): void {
    if (this.snapshot !== undefined && snapshot.version < this.snapshot.version) return;
    this.snapshot = snapshot;
    this.breakers?.sync(snapshot.instances);
    this.balancer.retain?.(snapshot.instances);
  }

  private describeEmpty(): string {
    if (this.snapshot === undefined) return 'the registry has not answered';
    return this.snapshot.stale
      ? 'none known (the registry is unreachable and had none cached)'
      : 'none registered with matching health, tags or meta';
  }
}
