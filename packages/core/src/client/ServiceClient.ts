import { type Context, context as otelContext } from '@opentelemetry/api';
import type { PickContext } from '../balancer/Balancer.js';
import { type Clock, systemClock } from '../common/Clock.js';
import { fn as functionOption, nonEmptyString, oneOf, plainObject } from '../common/validate.js';
import { ConfigError } from '../errors/ConfigError.js';
import { isAbortError, isCallerAbort } from '../errors/classify.js';
import { errorTypeOf } from '../errors/errorType.js';
import { isHttpStatusError } from '../errors/HttpStatusError.js';
import { hasErrorCode } from '../errors/SwitchyardError.js';
import { isTimeoutError } from '../errors/TimeoutError.js';
import { callAttempt } from '../policy/callAttempt.js';
import type { AttemptContext } from '../policy/Policy.js';
import type { Instance } from '../registry/Instance.js';
import type { ServiceRegistry } from '../registry/ServiceRegistry.js';
import { SwitchyardTelemetry } from '../telemetry/instruments.js';
import type { CallOutcomeKind } from '../telemetry/names.js';
import type {
  CallAttempt,
  CallRequestOptions,
  ClientOptions,
  FetchRequestInit,
  ServicePolicyOptions,
} from './ClientOptions.js';
import { HttpTransport } from './HttpTransport.js';
import { ServiceRuntime } from './ServiceRuntime.js';

/** Runs one attempt against a picked instance; `parent` is the caller's trace context. */
type AttemptRunner<T> = (instance: Instance, attempt: CallAttempt, parent: Context) => Promise<T>;

/** Per-call bookkeeping, allocated once per call. */
interface CallState {
  /** Instances already tried, so a retry prefers another (allocated on the first retry). */
  tried: Set<string> | undefined;
}

/**
 * Finds an instance of a service, balances, guards and observes every call:
 * bulkhead → retry (with budget) → hedge → timeout → pick → per-instance breaker → transport.
 */
export class ServiceClient {
  readonly registry: ServiceRegistry;
  private readonly options: ClientOptions;
  private readonly runtimes = new Map<string, ServiceRuntime>();
  private readonly telemetry: SwitchyardTelemetry | undefined;
  private readonly ownsTelemetry: boolean;
  private readonly clock: Clock;
  private readonly http: HttpTransport;
  private closed = false;

  constructor(options: ClientOptions) {
    plainObject('client options', options);
    validateRegistry(options.registry);
    if (options.fetch !== undefined) functionOption('fetch', options.fetch);
    if (options.isFailureStatus !== undefined) functionOption('isFailureStatus', options.isFailureStatus);
    if (options.scheme !== undefined) oneOf('scheme', options.scheme, ['http', 'https']);
    if (options.services !== undefined) plainObject('services', options.services);
    this.options = options;
    this.registry = options.registry;
    this.clock = options.clock ?? systemClock;
    if (options.telemetry === false) {
      this.telemetry = undefined;
      this.ownsTelemetry = false;
    } else if (options.telemetry instanceof SwitchyardTelemetry) {
      this.telemetry = options.telemetry;
      this.ownsTelemetry = false;
    } else {
      this.telemetry = new SwitchyardTelemetry(options.telemetry ?? {});
      this.ownsTelemetry = true;
    }
    this.http = new HttpTransport({
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      scheme: options.scheme ?? 'http',
      isFailureStatus: options.isFailureStatus ?? defaultFailureStatus,
      telemetry: this.telemetry,
    });
    // Fail fast on bad options, the defaults and every per-service override, rather than at a first call.
    for (const service of [undefined, ...Object.keys(options.services ?? {})]) {
      new ServiceRuntime(service ?? 'validation', this.policyOptions(service), undefined, this.clock).dispose();
    }
  }

  /**
   * Calls `service` with any transport: `fn` gets the picked instance and the attempt's
   * signal (aborted on timeout, caller abort or a winning hedge) and must honour it.
   */
  call<T>(
    service: string,
    fn: (instance: Instance, attempt: CallAttempt) => Promise<T>,
    options: CallRequestOptions = {},
  ): Promise<T> {
    const telemetry = this.telemetry;
    const runner: AttemptRunner<T> =
      telemetry === undefined
        ? (instance, attempt) => callAttempt(() => fn(instance, attempt), attempt)
        : (instance, attempt, parent) => {
            const handle = telemetry.startAttempt({
              service,
              instance,
              resendCount: attempt.attempt,
              parentContext: parent,
            });
            return otelContext
              .with(handle.context, () => callAttempt(() => fn(instance, attempt), attempt))
              .then(
                (value) => {
                  handle.end();
                  return value;
                },
                (error: unknown) => {
                  handle.end({ error, aborted: isCallerAbort(attempt.signal) });
                  throw error;
                },
              );
          };
    return this.run(service, runner, options.idempotent ?? true, options.key, options.signal);
  }

  /**
   * `fetch` against an instance of `service`: `path` is resolved against the picked
   * instance's origin. Resolves with the response (even a 5xx once retries are spent, as
   * fetch does); rejects with a Switchyard error when no attempt got a response.
   */
  async fetch(service: string, path: string, init: FetchRequestInit = {}): Promise<Response> {
    const method = (init.method ?? 'GET').toUpperCase();
    const idempotent = init.idempotent ?? IDEMPOTENT_METHODS.has(method);
    const failed: Response[] = [];
    const runner: AttemptRunner<Response> = (instance, attempt, parent) => {
      // A new attempt means the previous failed response will not be returned: free its socket.
      for (const response of failed.splice(0)) void response.body?.cancel().catch(() => {});
      return this.http.send(service, instance, path, method, init, attempt, parent).catch((error: unknown) => {
        if (isHttpStatusError(error)) failed.push(error.response);
        throw error;
      });
    };
    try {
      return await this.run(service, runner, idempotent, init.key, init.signal ?? undefined);
    } catch (error) {
      // Every attempt answered with a failure status: hand back the last answer, as fetch would.
      if (isHttpStatusError(error) && failed.includes(error.response)) return error.response;
      for (const response of failed) void response.body?.cancel().catch(() => {});
      throw error;
    }
  }

  /** Stops watches, disposes breakers and policies. Calls after this reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const runtime of this.runtimes.values()) runtime.dispose();
    this.runtimes.clear();
    if (this.ownsTelemetry) this.telemetry?.dispose();
  }

  /** The runtime of `service`, for inspection (breaker states, eligible instances). */
  runtime(service: string): ServiceRuntime {
    if (this.closed) throw new ConfigError('client', 'a client that is not closed', 'closed');
    nonEmptyString('service', service);
    let runtime = this.runtimes.get(service);
    if (runtime === undefined) {
      runtime = new ServiceRuntime(service, this.policyOptions(service), this.telemetry, this.clock);
      runtime.follow(this.registry);
      this.runtimes.set(service, runtime);
    }
    return runtime;
  }

  private async run<T>(
    service: string,
    runner: AttemptRunner<T>,
    idempotent: boolean,
    key: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    // The call's duration is timed only when a metrics SDK will record it.
    const telemetry = this.telemetry?.recordsMetrics === true ? this.telemetry : undefined;
    const started = telemetry === undefined ? 0 : this.clock.now();
    // Taken before any await: attempts are children of the caller's span.
    const parent = otelContext.active();
    try {
      const runtime = this.runtime(service);
      if (!runtime.hasSnapshot) await runtime.firstSnapshot();
      const pickContext: PickContext = key === undefined ? runtime.pickContext : { service, key };
      const state: CallState = { tried: undefined };
      const result = await runtime.policy.execute(
        (attempt) => this.attempt(runtime, state, pickContext, runner, attempt, parent, signal),
        signal,
        { idempotent },
      );
      telemetry?.recordCall(service, 'success', this.clock.now() - started);
      return result;
    } catch (error) {
      if (telemetry !== undefined) {
        const outcome = outcomeOf(error, signal);
        telemetry.recordCall(service, outcome, this.clock.now() - started, errorTypeOf(error));
      }
      throw error;
    }
  }

  private attempt<T>(
    runtime: ServiceRuntime,
    state: CallState,
    pickContext: PickContext,
    runner: AttemptRunner<T>,
    attempt: AttemptContext,
    parent: Context,
    callerSignal: AbortSignal | undefined,
  ): Promise<T> {
    let instances = runtime.eligible();
    if (state.tried !== undefined && state.tried.size > 0 && instances.length > 1) {
      const tried = state.tried;
      const fresh = instances.filter((i) => !tried.has(i.id));
      if (fresh.length > 0) instances = fresh;
    }
    const balancer = runtime.balancer;
    const instance = balancer.pick(instances, pickContext);
    this.telemetry?.recordPick(runtime.service, instance.id, runtime.balancerName);
    if (runtime.retry !== undefined || runtime.hedge !== undefined) {
      state.tried ??= new Set();
      state.tried.add(instance.id);
    }
    const onCallEnd = balancer.onCallEnd;
    const send =
      onCallEnd === undefined
        ? (): Promise<T> => {
            balancer.onCallStart?.(instance);
            return runner(instance, attempt, parent);
          }
        : (): Promise<T> => {
            // Only adaptive balancers get feedback, so only they cost two clock reads.
            balancer.onCallStart?.(instance);
            const begun = this.clock.now();
            const finish = (ok: boolean) =>
              onCallEnd.call(balancer, instance, { latencyMs: this.clock.now() - begun, ok });
            return runner(instance, attempt, parent).then(
              (value) => {
                finish(true);
                return value;
              },
              (error: unknown) => {
                finish(false);
                throw error;
              },
            );
          };
    const breakers = runtime.breakers;
    // The breaker gets the caller's signal: a caller abort is not the instance's fault,
    // while a timeout or a lost hedge shows in the error itself.
    return breakers === undefined ? send() : breakers.get(instance).execute(send, callerSignal);
  }

  private policyOptions(service: string | undefined): ServicePolicyOptions {
    const overrides = service === undefined ? undefined : this.options.services?.[service];
    return { ...this.options, ...overrides };
  }
}

/** Creates a client; see `ClientOptions`. */
export function createClient(options: ClientOptions): ServiceClient {
  return new ServiceClient(options);
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

function defaultFailureStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

function outcomeOf(error: unknown, signal: AbortSignal | undefined): CallOutcomeKind {
  if (signal?.aborted || isAbortError(error)) return 'aborted';
  if (isTimeoutError(error)) return 'timeout';
  if (
    hasErrorCode(error, 'SWITCHYARD_BROKEN_CIRCUIT') ||
    hasErrorCode(error, 'SWITCHYARD_ISOLATED_CIRCUIT') ||
    hasErrorCode(error, 'SWITCHYARD_BULKHEAD_REJECTED') ||
    hasErrorCode(error, 'SWITCHYARD_NO_INSTANCES')
  ) {
    return 'rejected';
  }
  return 'failure';
}

function validateRegistry(registry: unknown): asserts registry is ServiceRegistry {
  const r = registry as Partial<ServiceRegistry> | undefined;
  if (typeof r?.resolve !== 'function' || typeof r.watch !== 'function') {
    throw new ConfigError('registry', 'a ServiceRegistry (StaticRegistry, ConsulRegistry, ...)', registry);
  }
}
