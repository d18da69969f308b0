import type { Balancer } from '../balancer/Balancer.js';
import { BALANCER_NAMES, createBalancer } from '../balancer/createBalancer.js';
import type { CircuitBreaker } from '../breaker/CircuitBreaker.js';
import { SlidingWindowBreaker } from '../breaker/SlidingWindowBreaker.js';
import { resolveBreakerOptions, type SlidingWindowBreakerOptions } from '../breaker/SlidingWindowBreakerOptions.js';
import { type Clock, systemClock } from '../common/Clock.js';
import { fn as functionOption, knownKeys, oneOf, plainObject } from '../common/validate.js';
import { ConfigError } from '../errors/ConfigError.js';
import { ignoredByClientBreaker, retryableForClient } from '../errors/defaultFilters.js';
import { errorFilterOption, filterHandles, handleWhen } from '../errors/ErrorFilter.js';
import { BulkheadPolicy, resolveBulkheadOptions } from '../policy/BulkheadPolicy.js';
import { HedgingPolicy, resolveHedgeOptions } from '../policy/HedgingPolicy.js';
import { RetryBudget, resolveRetryBudgetOptions } from '../policy/RetryBudget.js';
import { RetryPolicy, resolveRetryOptions } from '../policy/RetryPolicy.js';
import { TimeoutPolicy, timeoutMsOption } from '../policy/TimeoutPolicy.js';
import type { Instance } from '../registry/Instance.js';
import { filterOption } from '../registry/matchesFilter.js';
import type { InstanceFilter, ServiceRegistry } from '../registry/ServiceRegistry.js';
import { SwitchyardTelemetry } from '../telemetry/SwitchyardTelemetry.js';
import type { ClientOptions, ServicePolicyOptions } from './ClientOptions.js';
import { CLIENT_BREAKER_DEFAULTS, CLIENT_DEFAULTS } from './defaults.js';
import { checkedBalancer, checkedBreaker } from './factoryResult.js';

/** Builds one service's policies; each call makes fresh state (budget, bulkhead slots, breakers). */
export interface ServicePlan {
  readonly balancer: (service: string) => Balancer;
  readonly filter: InstanceFilter | undefined;
  /** Undefined when breakers are off. */
  readonly breaker: ((service: string, instance: Instance) => CircuitBreaker) | undefined;
  /** `refused(error)`: no instance would admit another attempt now, so retrying is pointless. */
  readonly retry: ((refused: (error: unknown) => boolean) => RetryPolicy) | undefined;
  readonly timeout: (() => TimeoutPolicy) | undefined;
  readonly bulkhead: (() => BulkheadPolicy) | undefined;
  readonly hedge: (() => HedgingPolicy) | undefined;
}

export interface ResolvedClientOptions {
  readonly registry: ServiceRegistry;
  /** Undefined for the platform's fetch (looked up per request, so a patched global is used). */
  readonly fetch: typeof fetch | undefined;
  readonly scheme: 'http' | 'https';
  readonly isFailureStatus: (status: number) => boolean;
  readonly clock: Clock;
  /** Undefined for `telemetry: false`. */
  readonly telemetry: SwitchyardTelemetry | undefined;
  /** Whether the client made its telemetry (and so disposes it on close). */
  readonly ownsTelemetry: boolean;
  /** The plan of `service`: its override merged over the defaults. */
  plan(service: string): ServicePlan;
}

const CLIENT_KEYS = ['registry', 'services', 'telemetry', 'fetch', 'scheme', 'isFailureStatus', 'clock'] as const;
const SERVICE_KEYS = [
  'balancer',
  'filter',
  'breaker',
  'retry',
  'timeoutMs',
  'bulkhead',
  'hedge',
] as const satisfies readonly (keyof ServicePolicyOptions)[];

/**
 * Validates every client option once, the defaults and each per-service override, and
 * turns them into plans the client builds each service from. Every problem is a
 * `ConfigError` naming the option (`services.cart.retry.maxAttempts` for an override).
 */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  const o = plainObject('client options', options);
  knownKeys('', o, [...CLIENT_KEYS, ...SERVICE_KEYS]);
  const registry = registryOption(o.registry);
  if (o.fetch !== undefined) functionOption('fetch', o.fetch);
  if (o.isFailureStatus !== undefined) functionOption('isFailureStatus', o.isFailureStatus);
  const clock = o.clock === undefined ? systemClock : clockOption(o.clock);
  const services = o.services === undefined ? {} : plainObject('services', o.services);

  const defaults = planFor(undefined, o as ServicePolicyOptions, clock);
  const plans = new Map<string, ServicePlan>();
  for (const [service, override] of Object.entries(services)) {
    knownKeys(`services.${service}.`, plainObject(`services.${service}`, override), SERVICE_KEYS);
    plans.set(service, planFor(service, { ...o, ...(override as ServicePolicyOptions) }, clock));
  }

  let telemetry: SwitchyardTelemetry | undefined;
  let ownsTelemetry = false;
  if (options.telemetry === false) {
    telemetry = undefined;
  } else if (options.telemetry instanceof SwitchyardTelemetry) {
    telemetry = options.telemetry;
  } else {
    telemetry = new SwitchyardTelemetry(options.telemetry);
    ownsTelemetry = true;
  }

  return {
    registry,
    fetch: options.fetch,
    scheme: options.scheme === undefined ? 'http' : oneOf('scheme', options.scheme, ['http', 'https'] as const),
    isFailureStatus: options.isFailureStatus ?? defaultFailureStatus,
    clock,
    telemetry,
    ownsTelemetry,
    plan: (service) => plans.get(service) ?? defaults,
  };
}

/** One service's plan; errors of an override are renamed to `services.<name>.<option>`. */
function planFor(service: string | undefined, options: ServicePolicyOptions, clock: Clock): ServicePlan {
  if (service === undefined) return plan(options, clock, '');
  try {
    return plan(options, clock, `services.${service}.`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`services.${service}.${error.option}`, error.allowed, error.received, { cause: error });
  }
}

/**
 * `undefined` takes the default; any other value, `null` included, must be valid.
 * `prefix` names the options of factories' results, which are checked only when called.
 */
function plan(options: ServicePolicyOptions, clock: Clock, prefix: string): ServicePlan {
  const result: ServicePlan = {
    balancer: balancerPlan(
      options.balancer === undefined ? CLIENT_DEFAULTS.balancer : options.balancer,
      clock,
      `${prefix}balancer`,
    ),
    filter: options.filter === undefined ? undefined : filterOption('filter', options.filter),
    breaker: breakerPlan(options.breaker === undefined ? {} : options.breaker, clock, `${prefix}breaker`),
    retry: retryPlan(options.retry, clock),
    timeout: timeoutPlan(options.timeoutMs === undefined ? CLIENT_DEFAULTS.timeoutMs : options.timeoutMs),
    bulkhead: options.bulkhead === undefined || options.bulkhead === false ? undefined : bulkheadPlan(options.bulkhead),
    hedge: options.hedge === undefined || options.hedge === false ? undefined : hedgePlan(options.hedge),
  };
  return result;
}

function balancerPlan(
  option: ServicePolicyOptions['balancer'],
  clock: Clock,
  optionName: string,
): (service: string) => Balancer {
  if (typeof option === 'function') return (service) => checkedBalancer(optionName, option(service));
  const name = oneOf('balancer', option, BALANCER_NAMES);
  // Peak-EWMA decays by its clock what the client measured on this one: they must be the same.
  return name === 'peak-ewma' ? () => createBalancer('peak-ewma', { clock }) : () => createBalancer(name);
}

function breakerPlan(
  option: NonNullable<ServicePolicyOptions['breaker']>,
  clock: Clock,
  name: string,
): ServicePlan['breaker'] {
  if (option === false) return undefined;
  if (typeof option === 'function') return (service, instance) => checkedBreaker(name, option(service, instance));
  plainObject('breaker', option);
  // The default backoff caps the open wait at 60 s: a longer wait the user asked for raises
  // the cap, instead of an error naming an option they never set.
  const wait = option.waitDurationInOpenState;
  const defaultBackoff = CLIENT_BREAKER_DEFAULTS.openStateBackoff;
  const openStateBackoff =
    typeof wait === 'number' && wait > defaultBackoff.maxMs ? { ...defaultBackoff, maxMs: wait } : defaultBackoff;
  const merged: SlidingWindowBreakerOptions = {
    ...CLIENT_BREAKER_DEFAULTS,
    openStateBackoff,
    ignore: ignoredByClientBreaker,
    clock,
    ...option,
  };
  resolveBreakerOptions(merged);
  return () => new SlidingWindowBreaker(merged);
}

function retryPlan(option: ServicePolicyOptions['retry'], clock: Clock): ServicePlan['retry'] {
  if (option === false) return undefined;
  const o = option === undefined ? {} : plainObject('retry', option);
  const {
    budget: budgetOption,
    handle: userHandle,
    ...retryOptions
  } = o as NonNullable<Exclude<ServicePolicyOptions['retry'], false>>;
  const handle = userHandle === undefined ? retryableForClient : errorFilterOption('retry.handle', userHandle);
  const budgetOptions =
    budgetOption === false
      ? undefined
      : { clock, ...(budgetOption === undefined ? {} : plainObject('retry.budget', budgetOption)) };
  if (budgetOptions !== undefined) {
    try {
      resolveRetryBudgetOptions(budgetOptions);
    } catch (error) {
      // The budget's own names say `retryBudget.`; here it is given as `retry.budget`.
      if (!(error instanceof ConfigError) || !error.option.startsWith('retryBudget')) throw error;
      const option = `retry.budget${error.option.slice('retryBudget'.length)}`;
      throw new ConfigError(option, error.allowed, error.received, { cause: error });
    }
  }
  const retryOptionsWithDefaults = { ...CLIENT_DEFAULTS.retry, ...retryOptions };
  resolveRetryOptions({ ...retryOptionsWithDefaults, handle });
  return (refused) => {
    const budget = budgetOptions === undefined ? undefined : new RetryBudget(budgetOptions);
    return new RetryPolicy({
      ...retryOptionsWithDefaults,
      handle: handleWhen((error) => filterHandles(handle, error, false) && !refused(error)),
      ...(budget === undefined ? {} : { budget }),
    });
  };
}

function timeoutPlan(option: number | false): ServicePlan['timeout'] {
  if (option === false) return undefined;
  const ms = timeoutMsOption('timeoutMs', option);
  return () => new TimeoutPolicy(ms);
}

function bulkheadPlan(option: NonNullable<Exclude<ServicePolicyOptions['bulkhead'], false>>): ServicePlan['bulkhead'] {
  resolveBulkheadOptions(option);
  return () => new BulkheadPolicy(option);
}

function hedgePlan(option: NonNullable<Exclude<ServicePolicyOptions['hedge'], false>>): ServicePlan['hedge'] {
  plainObject('hedge', option);
  const options = { handle: retryableForClient, ...option };
  resolveHedgeOptions(options);
  return () => new HedgingPolicy(options);
}

function registryOption(registry: unknown): ServiceRegistry {
  const r = registry as Partial<ServiceRegistry> | undefined;
  if (typeof r?.resolve !== 'function' || typeof r.watch !== 'function') {
    throw new ConfigError('registry', 'a ServiceRegistry (StaticRegistry, ConsulRegistry, ...)', registry);
  }
  return registry as ServiceRegistry;
}

function clockOption(clock: unknown): Clock {
  const c = plainObject('clock', clock);
  functionOption('clock.now', c.now);
  return clock as Clock;
}

function defaultFailureStatus(status: number): boolean {
  return status >= 500 || status === 429;
}
