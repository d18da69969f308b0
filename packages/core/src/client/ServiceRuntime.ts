import type { Balancer, PickContext } from '../balancer/Balancer.js';
import { createBalancer } from '../balancer/createBalancer.js';
import { InstanceBreakers } from '../breaker/InstanceBreakers.js';
import { SlidingWindowBreaker } from '../breaker/SlidingWindowBreaker.js';
import type { Clock } from '../common/Clock.js';
import type { Disposable } from '../common/Disposable.js';
import { finiteNumber } from '../common/validate.js';
import { BrokenCircuitError } from '../errors/BrokenCircuitError.js';
import { ignoredByClientBreaker, retryableForClient } from '../errors/defaultFilters.js';
import { errorFilterOption, filterHandles, handleWhen } from '../errors/ErrorFilter.js';
import { errorTypeOf } from '../errors/errorType.js';
import { NoInstancesError } from '../errors/NoInstancesError.js';
import { BulkheadPolicy } from '../policy/BulkheadPolicy.js';
import { HedgingPolicy } from '../policy/HedgingPolicy.js';
import type { Policy } from '../policy/Policy.js';
import { RetryBudget } from '../policy/RetryBudget.js';
import { RetryPolicy } from '../policy/RetryPolicy.js';
import { TimeoutPolicy } from '../policy/TimeoutPolicy.js';
import { wrap } from '../policy/wrap.js';
import type { Instance } from '../registry/Instance.js';
import type { ServiceRegistry, ServiceSnapshot } from '../registry/ServiceRegistry.js';
import type { SwitchyardTelemetry } from '../telemetry/instruments.js';
import type { ServicePolicyOptions } from './ClientOptions.js';

/** Client defaults: tuned for calls between services, not resilience4j's generic ones. */
export const CLIENT_BREAKER_DEFAULTS = {
  slidingWindowType: 'count',
  slidingWindowSize: 20,
  minimumNumberOfCalls: 10,
  failureRateThreshold: 50,
  permittedNumberOfCallsInHalfOpenState: 3,
  waitDurationInOpenState: 5_000,
  openStateBackoff: { multiplier: 2, maxMs: 60_000 },
} as const;

export const CLIENT_DEFAULTS = {
  balancer: 'peak-ewma',
  panicThreshold: 0.5,
  timeoutMs: 10_000,
  retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 2_000, jitter: 'full' },
} as const;

/**
 * Everything the client keeps for one service: the live snapshot from a registry
 * watch, its balancer, per-instance breakers and its policies, with their telemetry.
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
  /** bulkhead → retry → hedge → timeout, composed once; `ctx.attempt` numbers a call's attempts. */
  readonly policy: Policy;
  private snapshot: ServiceSnapshot | undefined;
  private ready: Promise<void> | undefined;
  private readonly disposables: Disposable[] = [];

  /**
   * Builds (and so validates) the service's balancer, breakers and policies; nothing runs
   * until `follow` connects it to a registry.
   */
  constructor(
    readonly service: string,
    private readonly options: ServicePolicyOptions,
    telemetry: SwitchyardTelemetry | undefined,
    clock: Clock,
  ) {
    const balancerOption = options.balancer ?? CLIENT_DEFAULTS.balancer;
    // Peak-EWMA decays by its clock what the client measured on this one: they must be the same.
    this.balancer =
      typeof balancerOption === 'function'
        ? balancerOption(service)
        : balancerOption === 'peak-ewma'
          ? createBalancer('peak-ewma', { clock })
          : createBalancer(balancerOption);
    this.pickContext = { service };

    const panicThreshold = finiteNumber(
      'panicThreshold',
      options.panicThreshold ?? CLIENT_DEFAULTS.panicThreshold,
      Number.MIN_VALUE,
      1,
    );
    const breakerOption = options.breaker ?? {};
    if (breakerOption !== false) {
      const factory =
        typeof breakerOption === 'function'
          ? (instance: Instance) => breakerOption(service, instance)
          : (() => {
              // Validate once, here, so a bad option fails at the first call rather than per instance.
              const resolved = { ...CLIENT_BREAKER_DEFAULTS, ignore: ignoredByClientBreaker, clock, ...breakerOption };
              new SlidingWindowBreaker(resolved).dispose();
              return () => new SlidingWindowBreaker(resolved);
            })();
      this.breakers = new InstanceBreakers({
        factory,
        panicThreshold,
        clock,
        ...(telemetry === undefined
          ? {}
          : {
              onCreate: (instance, breaker) => telemetry.trackBreaker(service, instance.id, breaker),
              onEjection: (instance, ejected, reason) =>
                telemetry.recordEjection(service, instance.id, ejected, reason),
            }),
      });
    }

    if (options.retry !== false) {
      const { budget: budgetOption, handle: userHandle, ...retryOptions } = options.retry ?? {};
      const handle = userHandle === undefined ? retryableForClient : errorFilterOption('retry.handle', userHandle);
      const budget = budgetOption === false ? undefined : new RetryBudget({ clock, ...budgetOption });
      this.retry = new RetryPolicy({
        ...CLIENT_DEFAULTS.retry,
        ...retryOptions,
        // Every breaker open: another attempt would only be refused again, so fail fast.
        handle: handleWhen(
          (error) =>
            filterHandles(handle, error, false) &&
            !(this.breakers?.allEjected === true && error instanceof BrokenCircuitError),
        ),
        ...(budget === undefined ? {} : { budget }),
      });
      if (telemetry !== undefined) {
        this.disposables.push(
          this.retry.onRetry((event) => telemetry.recordRetry(service, errorTypeOf(event.error))),
          this.retry.onBudgetExhausted(() => telemetry.recordBudgetExhausted(service)),
        );
      }
    }
    const timeoutMs = options.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs;
    if (timeoutMs !== false) this.timeout = new TimeoutPolicy(timeoutMs);
    if (options.bulkhead !== undefined && options.bulkhead !== false) {
      const bulkhead = new BulkheadPolicy(options.bulkhead);
      this.bulkhead = bulkhead;
      if (telemetry !== undefined) {
        this.disposables.push(
          telemetry.trackBulkhead(service, { inFlight: () => bulkhead.inFlight, queued: () => bulkhead.queued }),
          bulkhead.onReject(() => telemetry.recordBulkheadRejection(service)),
        );
      }
    }
    if (options.hedge !== undefined && options.hedge !== false) {
      this.hedge = new HedgingPolicy({ handle: retryableForClient, ...options.hedge });
      if (telemetry !== undefined) {
        this.disposables.push(this.hedge.onHedge(() => telemetry.recordRetry(service, 'hedge')));
      }
    }
    const layers = [this.bulkhead, this.retry, this.hedge, this.timeout];
    this.policy = wrap(...layers.filter((layer): layer is NonNullable<typeof layer> => layer !== undefined));
  }

  get balancerName(): string {
    return this.balancer.name;
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
    const filter = this.options.filter;
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

  /** Synchronous view once the first snapshot arrived. */
  eligible(): readonly Instance[] {
    const instances = this.snapshot?.instances ?? [];
    if (instances.length === 0) throw new NoInstancesError(this.service, this.describeEmpty());
    return this.breakers === undefined ? instances : this.breakers.eligible(instances);
  }

  get hasSnapshot(): boolean {
    return this.snapshot !== undefined;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    this.breakers?.dispose();
    this.balancer.retain?.([]);
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
