import { context as otelContext } from '@opentelemetry/api';
import type { Clock } from '../common/Clock.js';
import { nonEmptyString } from '../common/validate.js';
import { ConfigError } from '../errors/ConfigError.js';
import { isHttpStatusError } from '../errors/HttpStatusError.js';
import { channels } from '../events/channels.js';
import type { AttemptContext } from '../policy/Policy.js';
import type { Instance } from '../registry/Instance.js';
import type { ServiceRegistry } from '../registry/ServiceRegistry.js';
import type { Observation } from '../telemetry/SwitchyardTelemetry.js';
import type { AttemptTracer } from './AttemptTracer.js';
import type { CallRequestOptions, ClientOptions, FetchRequestInit, ServiceRequestOptions } from './ClientOptions.js';
import type { CallContext, Exchange, Transport } from './Exchange.js';
import { HttpTransport } from './HttpTransport.js';
import { LazyAgent } from './LazyAgent.js';
import { outcomeOf } from './outcomeOf.js';
import { dumpBody, RequestTransport } from './RequestTransport.js';
import { type ResolvedClientOptions, resolveClientOptions } from './resolveClientOptions.js';
import type { ServiceResponse } from './ServiceResponse.js';
import { ServiceRuntime } from './ServiceRuntime.js';

/**
 * Finds an instance of a service, balances, guards and observes every call:
 * bulkhead → retry (with budget) → hedge → timeout → pick → per-instance breaker →
 * attempt span → transport (see `pipeline.ts`). What happens is published on the
 * `switchyard:*` diagnostics channels; telemetry observes them.
 */
export class ServiceClient {
  readonly registry: ServiceRegistry;
  private readonly options: ResolvedClientOptions;
  private readonly runtimes = new Map<string, ServiceRuntime>();
  private readonly clock: Clock;
  private readonly http: HttpTransport;
  private readonly requests: RequestTransport;
  private readonly agents = new LazyAgent();
  private readonly tracer: AttemptTracer | undefined;
  private readonly observation: Observation | undefined;
  private closed = false;
  /** How many services may be kept before idle ones the registry knows nothing of are dropped. */
  private sweepAt = UNKNOWN_SERVICES_SWEEP;

  constructor(options: ClientOptions) {
    // Fails fast on bad options, the defaults and every per-service override.
    this.options = resolveClientOptions(options);
    this.registry = this.options.registry;
    this.clock = this.options.clock;
    this.http = new HttpTransport(this.options, this.agents);
    this.requests = new RequestTransport(this.options, this.agents);
    const telemetry = this.options.telemetry;
    this.tracer = telemetry?.attemptTracer;
    this.observation = telemetry?.observe(this);
  }

  /**
   * Calls `service` with any transport: `fn` gets the picked instance and the attempt's
   * signal (aborted on timeout, caller abort or a winning hedge) and must honour it.
   */
  call<T>(
    service: string,
    fn: (instance: Instance, attempt: AttemptContext) => Promise<T>,
    options: CallRequestOptions = {},
  ): Promise<T> {
    const transport: Transport<T> = (exchange) => fn(exchange.picked, exchange);
    return this.run(service, transport, undefined, options.idempotent ?? true, options.key, options.signal);
  }

  /**
   * `fetch` against an instance of `service`: `path` is resolved against the picked
   * instance's origin. Resolves with the response (even a 5xx once retries are spent, as
   * fetch does); rejects with a Switchyard error when no attempt got a response.
   */
  fetch(service: string, path: string, init: FetchRequestInit = {}): Promise<Response> {
    // Bad input rejects (as from an async method) without an async frame of its own per call.
    try {
      HttpTransport.checkPath(path);
      const method = (init.method ?? 'GET').toUpperCase();
      const http = this.http;
      return this.answered(
        service,
        method,
        (instance) => http.urlOf(instance, path),
        (exchange) => http.send(exchange, method, path, init),
        discard,
        init.idempotent,
        init.key,
        init.signal ?? undefined,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * undici's `request` against an instance of `service`, on a keep-alive agent of this
   * client: the same policies, telemetry and answers as `fetch` (resolves with the last
   * failure status once retries are spent), with a smaller response whose body is a Node
   * stream with `text()`, `json()` and `dump()`. Read or dump the body.
   */
  request(service: string, path: string, options: ServiceRequestOptions = {}): Promise<ServiceResponse> {
    try {
      HttpTransport.checkPath(path);
      const method = (options.method ?? 'GET').toUpperCase();
      const transport = this.requests;
      return this.answered(
        service,
        method,
        (instance) => this.http.urlOf(instance, path),
        (exchange) => transport.send(exchange, method, path, options),
        dumpBody,
        options.idempotent,
        options.key,
        options.signal,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs an HTTP call whose failure statuses come back as `HttpStatusError`: an attempt
   * that got an answer and no later one did better hands back the latest answer, as
   * fetch would; answers nobody will read are discarded.
   */
  private async answered<R>(
    service: string,
    method: string,
    urlOf: (instance: Instance) => string,
    send: (exchange: Exchange<R>) => Promise<R>,
    drop: (response: R) => void,
    idempotentOption: boolean | undefined,
    key: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<R> {
    const idempotent = idempotentOption ?? IDEMPOTENT_METHODS.has(method);
    const failed: R[] = [];
    const transport: Transport<R> = (exchange) => {
      // A new attempt: only the latest failed answer may still be returned; free the others' sockets.
      if (failed.length > 1) for (const response of failed.splice(0, failed.length - 1)) drop(response);
      return send(exchange).catch((error: unknown) => {
        if (isHttpStatusError(error)) failed.push(error.response as R);
        throw error;
      });
    };
    try {
      const response = await this.run(service, transport, { method, urlOf }, idempotent, key, signal);
      for (const old of failed) drop(old);
      return response;
    } catch (error) {
      // An attempt got an answer (a failure status) and no later one did better: hand back
      // the latest answer, as fetch would, even if a later attempt was refused or timed out.
      // A caller who gave up gets the abort.
      const answered =
        isHttpStatusError(error) && failed.includes(error.response as R) ? (error.response as R) : failed.at(-1);
      if (answered !== undefined && signal?.aborted !== true) {
        for (const old of failed) if (old !== answered) drop(old);
        return answered;
      }
      for (const old of failed) drop(old);
      throw error;
    }
  }

  /** Stops watches, disposes breakers and policies. Calls after this reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const runtime of this.runtimes.values()) runtime.dispose();
    this.runtimes.clear();
    if (channels.clientClose.hasSubscribers) channels.clientClose.publish({ client: this });
    this.observation?.dispose();
    try {
      await this.agents.close();
    } finally {
      // Telemetry goes even if undici fails to close the agent.
      if (this.options.ownsTelemetry) this.options.telemetry?.dispose();
    }
  }

  /** The runtime of `service`, made on first use. */
  runtime(service: string): ServiceRuntime {
    if (this.closed) throw new ConfigError('client', 'a client that is not closed', 'closed');
    nonEmptyString('service', service);
    let runtime = this.runtimes.get(service);
    if (runtime === undefined) {
      if (this.runtimes.size >= this.sweepAt) this.evictUnknown();
      this.observation?.activate();
      runtime = new ServiceRuntime(service, this.options.plan(service), this.clock, this, this.tracer);
      runtime.follow(this.registry);
      this.runtimes.set(service, runtime);
    }
    return runtime;
  }

  private async run<T>(
    service: string,
    transport: Transport<T>,
    http: CallContext<T>['http'],
    idempotent: boolean,
    key: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    // Taken before any await: attempts are children of the caller's span.
    const parentContext = otelContext.active();
    // A closed client or a bad service name: refused before the call starts.
    const runtime = this.runtime(service);
    // The call is timed only when someone listens for its end.
    const timed = channels.callEnd.hasSubscribers;
    const started = timed ? this.clock.now() : 0;
    if (channels.callStart.hasSubscribers) channels.callStart.publish({ client: this, service, idempotent });
    runtime.inFlight++;
    try {
      if (!runtime.hasSnapshot) await runtime.firstSnapshot();
      const call: CallContext<T> = {
        client: this,
        runtime,
        pickContext: key === undefined ? runtime.pickContext : { service, key },
        parentContext,
        callerSignal: signal,
        transport,
        http,
        tried: undefined,
      };
      const result = await runtime.run(call, idempotent);
      if (timed) {
        const durationMs = this.clock.now() - started;
        channels.callEnd.publish({ client: this, service, outcome: 'success', error: undefined, durationMs });
      }
      return result;
    } catch (error) {
      if (timed) {
        const durationMs = this.clock.now() - started;
        channels.callEnd.publish({ client: this, service, outcome: outcomeOf(error, signal), error, durationMs });
      }
      throw error;
    } finally {
      runtime.inFlight--;
    }
  }

  /**
   * Bounds what calls to unknown service names leave behind: idle runtimes of services the
   * registry knows no instance of are disposed (a later call makes them again). Runs when
   * the count reaches a threshold, which doubles while most runtimes are of real services.
   */
  private evictUnknown(): void {
    for (const [name, runtime] of this.runtimes) {
      if (runtime.inFlight === 0 && runtime.knowsNothing) {
        runtime.dispose();
        this.runtimes.delete(name);
      }
    }
    this.sweepAt = Math.max(UNKNOWN_SERVICES_SWEEP, this.runtimes.size * 2);
  }
}

/** Services kept before the first sweep of unknown ones. */
const UNKNOWN_SERVICES_SWEEP = 256;

/** Creates a client; see `ClientOptions`. */
export function createClient(options: ClientOptions): ServiceClient {
  return new ServiceClient(options);
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Frees the socket of a response nobody will read. */
function discard(response: Response): void {
  void response.body?.cancel().catch(() => {});
}
