import * as diagnosticsChannel from 'node:diagnostics_channel';
import {
  type Attributes,
  type BatchObservableCallback,
  type Context,
  type Counter,
  context,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Observable,
  type ObservableGauge,
  type ObservableUpDownCounter,
  propagation,
  SpanKind,
  type Tracer,
  type TracerProvider,
  ValueType,
} from '@opentelemetry/api';
import { type LoggerProvider, logs, SeverityNumber } from '@opentelemetry/api-logs';
import type { StateChange } from '../breaker/CircuitBreaker.js';
import type { Clock } from '../common/Clock.js';
import type { Disposable } from '../common/Disposable.js';
import { toDisposable } from '../common/Disposable.js';
import { finiteNumber } from '../common/validate.js';
import { errorTypeOf } from '../errors/errorType.js';
import { errorMessage, isInstanceOf } from '../errors/safeRead.js';
import type { Instance } from '../registry/Instance.js';
import { Attempt, type AttemptHandle, type HeaderCarrier, headerSetter } from './AttemptHandle.js';
import { contextWith } from './contextWith.js';
import { HttpTargets } from './HttpTargets.js';
import { canonicalHttpMethod, fullUrlOf } from './httpAttributes.js';
import { type HttpInstrumentationMode, resolveHttpTelemetryOptions } from './httpTelemetryOptions.js';
import { isNoopMeter } from './isNoopMeter.js';
import {
  type BreakerEntry,
  type BreakerLike,
  type BulkheadGauges,
  breakerStateValue,
  LiveSources,
  type RegistryServiceState,
} from './LiveSources.js';
import {
  ATTR,
  attemptSpanName,
  type CallOutcomeKind,
  DURATION_BUCKETS_SECONDS,
  ERROR_TYPE_OTHER,
  ERROR_TYPE_TIMEOUT,
  httpSpanName,
  INSTRUMENTATION_SCOPE,
  INSTRUMENTATION_VERSION,
  LOG_EVENT,
  METRIC,
  type MetricDefinition,
} from './names.js';
import { providerOption } from './providerOption.js';
import { redactSecrets } from './redact.js';
import { setBounded } from './setBounded.js';
import { TelemetryLogger } from './TelemetryLogger.js';

export type { BulkheadGauges, RegistryServiceState } from './LiveSources.js';

export interface SwitchyardTelemetryOptions {
  /** Default: the global tracer provider (`trace` from `@opentelemetry/api`). */
  readonly tracerProvider?: TracerProvider;
  /**
   * Default: the global meter provider. Instruments are created on first use, so register
   * the SDK (e.g. `startTelemetry()`) before the first call, not necessarily before construction.
   */
  readonly meterProvider?: MeterProvider;
  /** Default: the global logger provider (`logs` from `@opentelemetry/api-logs`). */
  readonly loggerProvider?: LoggerProvider;
  /**
   * Who creates HTTP client spans and `http.client.request.duration`:
   * - `switchyard`: Switchyard does, one CLIENT span per attempt.
   * - `external`: OpenTelemetry's own undici/http instrumentation does; Switchyard
   *   records only its `switchyard.*` metrics and never injects `traceparent` itself.
   * - `auto` (default): `external` while anything subscribes to undici's
   *   `undici:request:create` diagnostics channel (as `@opentelemetry/instrumentation-undici`
   *   does), else `switchyard`. Checked per attempt, so instrumentation enabled later counts.
   */
  readonly httpInstrumentation?: HttpInstrumentationMode;
  /** Full override of the known HTTP methods (else `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`, else semconv's list). */
  readonly knownHttpMethods?: readonly string[];
  /** Monotonic clock (ms) for attempt durations and log rate limits. */
  readonly clock?: Clock;
  /** Wall clock (ms since the epoch) for registry staleness. Default `Date.now`. */
  readonly wallClock?: Clock;
  /** Minimum ms between two log records of a frequent kind (budget exhausted, watch errors) per service. Default 10 000. */
  readonly logIntervalMs?: number;
}

export interface HttpAttemptOptions {
  readonly method: string;
  /** The request URL; a string is parsed only when a span records it or a new origin is seen. */
  readonly url: URL | string;
  readonly service: string;
  readonly instance?: Instance | undefined;
  /** 0 for the first attempt, n for the n-th resend (retry, hedge or redirect). */
  readonly resendCount?: number | undefined;
  /** Default: the active context. */
  readonly parentContext?: Context | undefined;
  /** `network.protocol.version`, e.g. `1.1` or `2`, when known. */
  readonly protocolVersion?: string | undefined;
}

export interface AttemptOptions {
  readonly service: string;
  readonly instance?: Instance | undefined;
  readonly resendCount?: number | undefined;
  readonly parentContext?: Context | undefined;
}

interface Instruments {
  /** False for the API's no-op meter (no SDK): durations need no clock reads. */
  readonly recording: boolean;
  readonly httpDuration: Histogram;
  readonly callDuration: Histogram;
  readonly retries: Counter;
  readonly budgetExhausted: Counter;
  readonly breakerTransitions: Counter;
  readonly picks: Counter;
  readonly ejections: Counter;
  readonly bulkheadRejections: Counter;
  readonly watchErrors: Counter;
  readonly registryUpdateDuration: Histogram;
  readonly observables: Observable[];
  readonly observe: BatchObservableCallback;
  readonly meter: Meter;
}

const UNDICI_REQUEST_CREATE = 'undici:request:create';

/**
 * Everything Switchyard reports through OpenTelemetry: attempt spans, metrics and log
 * records. Uses only `@opentelemetry/api` and `@opentelemetry/api-logs`; with no SDK
 * registered it costs next to nothing. One instance per client (or shared).
 */
export class SwitchyardTelemetry implements Disposable {
  readonly httpInstrumentation: HttpInstrumentationMode;
  private readonly tracerProvider: TracerProvider;
  private readonly meterProvider: MeterProvider;
  private readonly knownMethods: ReadonlySet<string>;
  private readonly clock: Clock;
  private readonly wallClock: Clock;
  private readonly log: TelemetryLogger;
  private readonly undiciChannel: diagnosticsChannel.Channel;

  private tracerInstance: Tracer | undefined;
  private instrumentsInstance: Instruments | undefined;

  private readonly http = new HttpTargets();
  private readonly live = new LiveSources();
  private readonly attemptAttributes = new WeakMap<Instance, Attributes>();
  private readonly serviceAttributes = new Map<string, Attributes>();
  private readonly callAttributes = new Map<string, Map<string, Attributes>>();
  private readonly retryAttributes = new Map<string, Map<string, Attributes>>();
  private readonly pickAttributes = new Map<string, Map<string, Attributes>>();
  private readonly breakerSubscriptions = new Set<Disposable>();

  constructor(options: SwitchyardTelemetryOptions = {}) {
    const shared = resolveHttpTelemetryOptions(options);
    this.httpInstrumentation = shared.mode;
    this.tracerProvider = shared.tracerProvider;
    this.meterProvider = shared.meterProvider;
    this.knownMethods = shared.knownMethods;
    this.clock = shared.clock;
    const loggerProvider: LoggerProvider =
      providerOption('telemetry.loggerProvider', options.loggerProvider, 'getLogger') ?? logs;
    this.wallClock = options.wallClock ?? { now: Date.now };
    const logIntervalMs =
      options.logIntervalMs === undefined ? 10_000 : finiteNumber('telemetry.logIntervalMs', options.logIntervalMs, 0);
    this.log = new TelemetryLogger(loggerProvider, this.clock, logIntervalMs);
    // Holding the channel keeps it alive, so `hasSubscribers` sees subscribers added by name.
    this.undiciChannel = diagnosticsChannel.channel(UNDICI_REQUEST_CREATE);
  }

  /** True when HTTP spans and `http.client.request.duration` are left to external instrumentation right now. */
  httpIsExternal(): boolean {
    return (
      this.httpInstrumentation === 'external' ||
      (this.httpInstrumentation === 'auto' && this.undiciChannel.hasSubscribers)
    );
  }

  // ---- attempts -------------------------------------------------------------------------

  /**
   * Starts one HTTP attempt: a CLIENT span named `{method}` (or `HTTP` for unknown methods)
   * with the stable HTTP attributes, and the `http.client.request.duration` measurement.
   * In external mode it returns a handle that only carries `parentContext`.
   */
  startHttpAttempt(options: HttpAttemptOptions): AttemptHandle {
    const parent = options.parentContext ?? context.active();
    if (this.httpIsExternal()) return new Attempt(parent, undefined, this.clock, 0, undefined, undefined);
    const instruments = this.instruments;
    const method = canonicalHttpMethod(options.method, this.knownMethods);
    const attributes = this.http.attributes(options.url, options.instance, options.protocolVersion, method);
    const span = this.tracer.startSpan(
      httpSpanName(method),
      { kind: SpanKind.CLIENT, attributes: attributes.base },
      parent,
    );
    if (span.isRecording()) {
      // Sampler-visible attributes went in at start; the rest only when someone records.
      span.setAttribute(ATTR.urlFull, fullUrlOf(typeof options.url === 'string' ? new URL(options.url) : options.url));
      if (method !== options.method) span.setAttribute(ATTR.httpRequestMethodOriginal, options.method);
      const resendCount = options.resendCount ?? 0;
      if (resendCount > 0) span.setAttribute(ATTR.httpRequestResendCount, resendCount);
      span.setAttribute(ATTR.service, options.service);
      if (options.instance !== undefined) span.setAttribute(ATTR.instanceId, options.instance.id);
    }
    const duration = instruments.recording ? instruments.httpDuration : undefined;
    return new Attempt(
      contextWith(parent, span),
      span,
      this.clock,
      duration === undefined ? 0 : this.clock.now(),
      duration,
      attributes,
    );
  }

  /**
   * Starts one attempt over a non-HTTP transport: a CLIENT span named `call {service}`
   * with `switchyard.service`, `switchyard.instance.id`, `server.address`/`server.port`
   * and `switchyard.resend_count` (> 0 only). Always traced, whatever `httpInstrumentation` says.
   */
  startAttempt(options: AttemptOptions): AttemptHandle {
    const parent = options.parentContext ?? context.active();
    const span = this.tracer.startSpan(
      attemptSpanName(options.service),
      { kind: SpanKind.CLIENT, attributes: this.attemptBase(options.service, options.instance) },
      parent,
    );
    const resendCount = options.resendCount ?? 0;
    if (resendCount > 0 && span.isRecording()) span.setAttribute(ATTR.resendCount, resendCount);
    return new Attempt(contextWith(parent, span), span, this.clock, 0, undefined, undefined);
  }

  /** Writes W3C trace context (`traceparent`, `tracestate`, baggage) from `ctx` into `carrier`. */
  injectContext(carrier: HeaderCarrier, ctx: Context = context.active()): void {
    propagation.inject(ctx, carrier, headerSetter);
  }

  // ---- calls, retries, balancing ---------------------------------------------------------

  /**
   * Records one logical call. `error.type` is set for every outcome but success and
   * aborted: `errorType` if given, `timeout` for timeouts, else `_OTHER`.
   */
  /**
   * False while metrics go to the API's no-op meter (no SDK registered): callers may then
   * skip the clock reads a duration would need.
   */
  get recordsMetrics(): boolean {
    return this.instruments.recording;
  }

  recordCall(service: string, outcome: CallOutcomeKind, durationMs: number, errorType?: string): void {
    const instruments = this.instruments;
    let byOutcome = this.callAttributes.get(service);
    if (byOutcome === undefined) {
      byOutcome = new Map();
      setBounded(this.callAttributes, service, byOutcome);
    }
    const failed = outcome !== 'success' && outcome !== 'aborted';
    const type = failed ? (errorType ?? (outcome === 'timeout' ? ERROR_TYPE_TIMEOUT : ERROR_TYPE_OTHER)) : undefined;
    const key = type === undefined ? outcome : `${outcome}|${type}`;
    let attributes = byOutcome.get(key);
    if (attributes === undefined) {
      const built: Attributes = { [ATTR.service]: service, [ATTR.outcome]: outcome };
      if (type !== undefined) built[ATTR.errorType] = type;
      attributes = Object.freeze(built);
      setBounded(byOutcome, key, attributes);
    }
    instruments.callDuration.record(durationMs / 1000, attributes);
  }

  /** Counts an attempt after the first; `reason` is the retried attempt's `error.type` (`503`, `timeout`, ...) or `hedge`. */
  recordRetry(service: string, reason: string): void {
    this.instruments.retries.add(1, this.nested(this.retryAttributes, service, reason, ATTR.retryReason));
  }

  /** Counts a retry the budget denied, and logs it (WARN, at most once per `logIntervalMs` per service). */
  recordBudgetExhausted(service: string): void {
    const attributes = this.serviceAttributesOf(service);
    this.instruments.budgetExhausted.add(1, attributes);
    const suppressed = this.log.gate(`budget\n${service}`);
    if (suppressed === undefined) return;
    this.log.emit(
      SeverityNumber.WARN,
      LOG_EVENT.retryBudgetExhausted,
      `Retry budget for ${service} exhausted: retries are being denied`,
      { [ATTR.service]: service, [ATTR.suppressedLogs]: suppressed },
    );
  }

  /** Counts a balancer decision. */
  recordPick(service: string, instanceId: string, balancerName: string): void {
    let byInstance = this.pickAttributes.get(service);
    if (byInstance === undefined) {
      byInstance = new Map();
      setBounded(this.pickAttributes, service, byInstance);
    }
    let attributes = byInstance.get(instanceId);
    if (attributes === undefined || attributes[ATTR.balancer] !== balancerName) {
      attributes = Object.freeze({
        [ATTR.service]: service,
        [ATTR.instanceId]: instanceId,
        [ATTR.balancer]: balancerName,
      });
      setBounded(byInstance, instanceId, attributes);
    }
    this.instruments.picks.add(1, attributes);
  }

  // ---- breakers and ejection -------------------------------------------------------------

  /**
   * Reports a breaker until disposed: its state as `switchyard.circuit_breaker.state`
   * (read at collection time), and each transition as a count and a log record (WARN
   * when opening or isolated, INFO otherwise). Tracking the same service/instance again
   * replaces the earlier breaker.
   */
  trackBreaker(service: string, instanceId: string, breaker: BreakerLike): Disposable {
    this.ensureInstruments();
    const key = `${service}\n${instanceId}`;
    const entry = this.live.breakerEntry(service, instanceId, breaker);
    this.live.breakers.set(key, entry);
    const subscription = breaker.onStateChange((change) => this.onBreakerChange(service, instanceId, entry, change));
    this.breakerSubscriptions.add(subscription);
    return toDisposable(() => {
      subscription.dispose();
      this.breakerSubscriptions.delete(subscription);
      if (this.live.breakers.get(key) === entry) this.live.breakers.delete(key);
    });
  }

  /**
   * An instance left (`ejected` true) or rejoined the balancing set. Counts ejections,
   * keeps `switchyard.instance.ejected` current and logs both directions. Repeats are ignored.
   * Call it with `ejected` false when an ejected instance leaves the registry.
   */
  recordEjection(service: string, instanceId: string, ejected: boolean, reason: string): void {
    const instruments = this.instruments;
    let group = this.live.ejected.get(service);
    if (group === undefined) {
      group = { base: this.serviceAttributesOf(service), ids: new Set() };
      this.live.ejected.set(service, group);
    }
    if (group.ids.has(instanceId) === ejected) return;
    const attributes = { [ATTR.service]: service, [ATTR.instanceId]: instanceId };
    if (ejected) {
      group.ids.add(instanceId);
      instruments.ejections.add(1, attributes);
    } else {
      group.ids.delete(instanceId);
    }
    this.log.emit(
      ejected ? SeverityNumber.WARN : SeverityNumber.INFO,
      ejected ? LOG_EVENT.instanceEjected : LOG_EVENT.instanceRestored,
      `Instance ${service}/${instanceId} ${ejected ? 'ejected' : 'restored'}: ${reason}`,
      { ...attributes, [ATTR.ejectionReason]: reason },
    );
  }

  // ---- bulkhead -------------------------------------------------------------------------

  /** Reports a bulkhead's in-flight and queued calls (read at collection time) until disposed. */
  trackBulkhead(service: string, gauges: BulkheadGauges): Disposable {
    this.ensureInstruments();
    const entry = { source: gauges, base: this.serviceAttributesOf(service) };
    this.live.bulkheads.set(service, entry);
    return toDisposable(() => {
      if (this.live.bulkheads.get(service) === entry) this.live.bulkheads.delete(service);
    });
  }

  recordBulkheadRejection(service: string): void {
    this.instruments.bulkheadRejections.add(1, this.serviceAttributesOf(service));
  }

  // ---- registry -------------------------------------------------------------------------

  /**
   * Reports what `registryName` knows of `service` until disposed, read at collection
   * time: instances by health, whether the view is stale, and seconds since it was last
   * confirmed (`updatedAt`, ms since the epoch; nothing while it is 0).
   */
  trackRegistryService(
    registryName: string,
    service: string,
    getState: () => RegistryServiceState | undefined,
  ): Disposable {
    this.ensureInstruments();
    const entry = this.live.registryEntry(registryName, service);
    entry.getState = getState;
    return toDisposable(() => {
      if (entry.getState === getState) entry.getState = undefined;
    });
  }

  /**
   * Counts a failed watch/poll and logs it (WARN, rate-limited per registry and service).
   * The log carries the error type and a scrubbed message, never headers or tokens.
   */
  recordWatchError(registryName: string, service: string, error: unknown): void {
    const entry = this.live.registryEntry(registryName, service);
    const type = errorTypeOf(error);
    this.instruments.watchErrors.add(1, { ...entry.base, [ATTR.errorType]: type });
    const suppressed = this.log.gate(`watch\n${registryName}\n${service}`);
    if (suppressed === undefined) return;
    const message = isInstanceOf(error, Error) ? redactSecrets(errorMessage(error)) : '';
    this.log.emit(
      SeverityNumber.WARN,
      LOG_EVENT.registryWatchError,
      `Registry ${registryName} could not refresh ${service} (${type})${message === '' ? '' : `: ${message}`}`,
      {
        [ATTR.registry]: registryName,
        [ATTR.service]: service,
        [ATTR.errorType]: type,
        [ATTR.exceptionMessage]: message,
        [ATTR.suppressedLogs]: suppressed,
      },
    );
  }

  /** Records how long an update took, from the start of the round-trip that brought it to subscribers notified. */
  recordRegistryUpdate(registryName: string, service: string, durationMs: number): void {
    const entry = this.live.registryEntry(registryName, service);
    this.instruments.registryUpdateDuration.record(durationMs / 1000, entry.base);
  }

  /** Stops observing breakers, bulkheads and registries. Spans and counters keep working. */
  dispose(): void {
    for (const subscription of this.breakerSubscriptions) subscription.dispose();
    this.breakerSubscriptions.clear();
    this.live.clear();
    const instruments = this.instrumentsInstance;
    if (instruments !== undefined) {
      instruments.meter.removeBatchObservableCallback(instruments.observe, instruments.observables);
      // A later use creates (the SDK dedupes) and registers again.
      this.instrumentsInstance = undefined;
    }
  }

  // ---- internals ------------------------------------------------------------------------

  private get tracer(): Tracer {
    this.tracerInstance ??= this.tracerProvider.getTracer(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
    return this.tracerInstance;
  }

  /** Created on first use: the metrics API has no proxy, so a later-registered SDK is still picked up. */
  private get instruments(): Instruments {
    this.instrumentsInstance ??= this.createInstruments();
    return this.instrumentsInstance;
  }

  private ensureInstruments(): void {
    this.instrumentsInstance ??= this.createInstruments();
  }

  private createInstruments(): Instruments {
    const meter = this.meterProvider.getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
    const histogram = (d: MetricDefinition): Histogram =>
      meter.createHistogram(d.name, {
        unit: d.unit,
        description: d.description,
        advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
      });
    const counter = (d: MetricDefinition): Counter =>
      meter.createCounter(d.name, { unit: d.unit, description: d.description, valueType: ValueType.INT });
    const upDown = (d: MetricDefinition): ObservableUpDownCounter =>
      meter.createObservableUpDownCounter(d.name, {
        unit: d.unit,
        description: d.description,
        valueType: ValueType.INT,
      });
    const gauge = (d: MetricDefinition): ObservableGauge =>
      meter.createObservableGauge(d.name, { unit: d.unit, description: d.description });

    const live = {
      breakerState: upDown(METRIC.breakerState),
      ejected: upDown(METRIC.instancesEjected),
      inFlight: upDown(METRIC.bulkheadInFlight),
      queued: upDown(METRIC.bulkheadQueued),
      registryInstances: upDown(METRIC.registryInstances),
      registryStale: upDown(METRIC.registryStale),
      registryStaleness: gauge(METRIC.registryStaleness),
    };
    const observables: Observable[] = Object.values(live);
    // One callback reads every live source at collection time.
    const observe = this.live.observer(live, this.wallClock);
    meter.addBatchObservableCallback(observe, observables);

    return {
      recording: !isNoopMeter(meter),
      httpDuration: histogram(METRIC.httpClientRequestDuration),
      callDuration: histogram(METRIC.callDuration),
      retries: counter(METRIC.retries),
      budgetExhausted: counter(METRIC.retryBudgetExhausted),
      breakerTransitions: counter(METRIC.breakerTransitions),
      picks: counter(METRIC.balancerPicks),
      ejections: counter(METRIC.instanceEjections),
      bulkheadRejections: counter(METRIC.bulkheadRejections),
      watchErrors: counter(METRIC.registryWatchErrors),
      registryUpdateDuration: histogram(METRIC.registryUpdateDuration),
      observables,
      observe,
      meter,
    };
  }

  private onBreakerChange(service: string, instanceId: string, entry: BreakerEntry, change: StateChange): void {
    const key = `${change.from}>${change.to}`;
    let attributes = entry.transitions.get(key);
    if (attributes === undefined) {
      attributes = Object.freeze({
        ...entry.base,
        [ATTR.breakerPreviousState]: breakerStateValue(change.from),
        [ATTR.breakerState]: breakerStateValue(change.to),
      });
      entry.transitions.set(key, attributes);
    }
    this.instruments.breakerTransitions.add(1, attributes);
    const severe = change.to === 'open' || change.to === 'isolated';
    this.log.emit(
      severe ? SeverityNumber.WARN : SeverityNumber.INFO,
      LOG_EVENT.breakerStateChange,
      `Circuit breaker ${service}/${instanceId} ${change.from} -> ${change.to}: ${change.reason}`,
      { ...attributes, [ATTR.breakerReason]: change.reason },
    );
  }

  private attemptBase(service: string, instance: Instance | undefined): Attributes {
    if (instance === undefined) return this.serviceAttributesOf(service);
    let attributes = this.attemptAttributes.get(instance);
    if (attributes === undefined || attributes[ATTR.service] !== service) {
      attributes = Object.freeze({
        [ATTR.service]: service,
        [ATTR.instanceId]: instance.id,
        [ATTR.serverAddress]: instance.host,
        [ATTR.serverPort]: instance.port,
      });
      this.attemptAttributes.set(instance, attributes);
    }
    return attributes;
  }

  private serviceAttributesOf(service: string): Attributes {
    let attributes = this.serviceAttributes.get(service);
    if (attributes === undefined) {
      attributes = Object.freeze({ [ATTR.service]: service });
      setBounded(this.serviceAttributes, service, attributes);
    }
    return attributes;
  }

  private nested(cache: Map<string, Map<string, Attributes>>, service: string, value: string, key: string): Attributes {
    let inner = cache.get(service);
    if (inner === undefined) {
      inner = new Map();
      setBounded(cache, service, inner);
    }
    let attributes = inner.get(value);
    if (attributes === undefined) {
      attributes = Object.freeze({ [ATTR.service]: service, [key]: value });
      setBounded(inner, value, attributes);
    }
    return attributes;
  }
}
