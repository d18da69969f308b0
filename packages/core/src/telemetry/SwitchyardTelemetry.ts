import { diag, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import type { ServiceClient } from '../client/ServiceClient.js';
import type { Clock } from '../common/Clock.js';
import type { Disposable } from '../common/Disposable.js';
import { finiteNumber, knownKeys, plainObject } from '../common/validate.js';
import type { ServiceRegistry } from '../registry/ServiceRegistry.js';
import { AttemptSpans } from './AttemptSpans.js';
import { observeCallMetrics, observeRetries } from './CallObserver.js';
import { createInstruments, type Instruments } from './createInstruments.js';
import { observeDiscovery } from './DiscoveryObserver.js';
import { type HttpInstrumentationMode, resolveHttpTelemetryOptions } from './httpTelemetryOptions.js';
import { LiveSources } from './LiveSources.js';
import { type LoggerProvider, logs } from './logsApi.js';
import { AttributeCache, type ObserverContext } from './ObserverContext.js';
import { providerOption } from './providerOption.js';
import { observeResilience } from './ResilienceObserver.js';
import { TelemetryLogger } from './TelemetryLogger.js';

export interface SwitchyardTelemetryOptions {
  /** Default: the global tracer provider (`trace` from `@opentelemetry/api`). */
  readonly tracerProvider?: TracerProvider;
  /**
   * Default: the global meter provider. Instruments are created at a client's first call,
   * so register the SDK (e.g. `startTelemetry()`) before the first call, not necessarily before construction.
   */
  readonly meterProvider?: MeterProvider;
  /** Default: the global logger provider (the API's `logs`, or `@opentelemetry/api-logs` for SDK 2: see logsApi.ts). */
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

const OPTION_KEYS = [
  'tracerProvider',
  'meterProvider',
  'loggerProvider',
  'httpInstrumentation',
  'knownHttpMethods',
  'clock',
  'wallClock',
  'logIntervalMs',
] as const satisfies readonly (keyof SwitchyardTelemetryOptions)[];

/** What a client holds of the telemetry that observes it. */
export interface Observation extends Disposable {
  /** The client's first call is starting: per-call metrics subscribe now if a metrics SDK records. */
  activate(): void;
}

/**
 * Switchyard's OpenTelemetry layer: observers of the `switchyard:*` channels that turn
 * calls, retries, breakers, ejections, bulkheads and registries into metrics and log
 * records, plus the attempt-span stage of the call path. It records the events of the
 * clients (and their registries) it observes; a client observes itself through the
 * telemetry it was given, or a new one on the global providers. Nothing it does can
 * change a call: every listener is guarded, and so is the attempt-span stage.
 */
export class SwitchyardTelemetry implements Disposable {
  readonly httpInstrumentation: HttpInstrumentationMode;
  /** The stage the client puts around each attempt's transport. */
  readonly attemptTracer: AttemptSpans;
  private readonly meterProvider: MeterProvider;
  private readonly wallClock: Clock;
  private readonly live = new LiveSources();
  private readonly context: ObserverContext;
  private readonly clients = new Set<ServiceClient>();
  private readonly registries = new Map<ServiceRegistry, number>();
  private subscriptions: Disposable[] = [];
  private hotSubscriptions: Disposable[] | undefined;
  private instrumentsInstance: Instruments | undefined;

  constructor(options: SwitchyardTelemetryOptions = {}) {
    knownKeys('telemetry.', plainObject('telemetry', options), OPTION_KEYS);
    const shared = resolveHttpTelemetryOptions(options);
    this.httpInstrumentation = shared.mode;
    this.meterProvider = shared.meterProvider;
    const loggerProvider: LoggerProvider =
      providerOption('telemetry.loggerProvider', options.loggerProvider, 'getLogger') ?? logs;
    this.wallClock = providerOption('telemetry.wallClock', options.wallClock, 'now') ?? { now: Date.now };
    const logIntervalMs =
      options.logIntervalMs === undefined ? 10_000 : finiteNumber('telemetry.logIntervalMs', options.logIntervalMs, 0);
    const log = new TelemetryLogger(loggerProvider, shared.clock, logIntervalMs);
    const self = this;
    this.context = {
      get instruments() {
        return self.instruments;
      },
      log,
      live: this.live,
      attributes: new AttributeCache(),
      observes: (client) => this.clients.has(client),
      observesRegistry: (registry) => this.registries.has(registry),
    };
    this.attemptTracer = new AttemptSpans({
      mode: shared.mode,
      tracerProvider: shared.tracerProvider,
      knownMethods: shared.knownMethods,
      clock: shared.clock,
      instruments: () => this.instruments,
    });
  }

  /** False while metrics go to the API's no-op meter (no SDK registered). */
  get recordsMetrics(): boolean {
    return this.instruments.recording;
  }

  /** Records the events of `client` and of its registry until disposed (or the client closes). */
  observe(client: ServiceClient): Observation {
    this.subscribe();
    this.clients.add(client);
    const registry = this.observeRegistry(client.registry);
    let active = true;
    return {
      activate: () => {
        if (active) this.activateCallMetrics();
      },
      dispose: () => {
        if (!active) return;
        active = false;
        this.clients.delete(client);
        registry.dispose();
      },
    };
  }

  /** Records what `registry` publishes (instances, staleness, refresh errors) until disposed. */
  observeRegistry(registry: ServiceRegistry): Disposable {
    this.subscribe();
    this.registries.set(registry, (this.registries.get(registry) ?? 0) + 1);
    let active = true;
    return {
      dispose: () => {
        if (!active) return;
        active = false;
        const left = (this.registries.get(registry) ?? 1) - 1;
        if (left > 0) {
          this.registries.set(registry, left);
        } else {
          // Unobserved, its views would be reported as they last were, ever staler.
          this.registries.delete(registry);
          this.live.forgetRegistry(registry);
        }
      },
    };
  }

  /** Stops observing; spans of attempts already started still end. */
  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    for (const subscription of this.hotSubscriptions ?? []) subscription.dispose();
    this.subscriptions = [];
    this.hotSubscriptions = undefined;
    this.clients.clear();
    this.registries.clear();
    this.live.clear();
    // A later use creates (the SDK dedupes) and registers again. The retired callback
    // reports what it reported as gone at the next collection, then removes itself. A meter
    // that throws here must not make `client.close()` reject.
    try {
      this.instrumentsInstance?.retire();
    } catch (error) {
      try {
        diag.warn('Switchyard telemetry: removing the metrics callback failed', error);
      } catch {
        // Nothing left to tell.
      }
    }
    this.instrumentsInstance = undefined;
  }

  /** Created on first use: the metrics API has no proxy, so a later-registered SDK is still picked up. */
  private get instruments(): Instruments {
    this.instrumentsInstance ??= createInstruments(this.meterProvider, this.live, this.wallClock);
    return this.instrumentsInstance;
  }

  private subscribe(): void {
    if (this.subscriptions.length > 0) return;
    const ctx = this.context;
    this.subscriptions = [...observeRetries(ctx), ...observeResilience(ctx), ...observeDiscovery(ctx)];
  }

  /** Per-call metrics cost a message per call: subscribed only when an SDK records them. */
  private activateCallMetrics(): void {
    if (this.hotSubscriptions !== undefined) return;
    let recording = false;
    try {
      recording = this.instruments.recording;
    } catch {
      recording = false;
    }
    this.hotSubscriptions = recording ? observeCallMetrics(this.context) : [];
  }
}
