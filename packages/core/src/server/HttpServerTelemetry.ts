import {
  type Attributes,
  type Context,
  context,
  type Histogram,
  type MeterProvider,
  propagation,
  SpanKind,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { Clock } from '../common/Clock.js';
import { nonEmptyString } from '../common/validate.js';
import { contextWith } from '../telemetry/contextWith.js';
import {
  canonicalHttpMethod,
  protocolVersionOf,
  redactUrlQuery,
  setServerAddressFromHost,
} from '../telemetry/httpAttributes.js';
import { httpRpcMetadataOf, reportRouteLazily } from '../telemetry/httpRpcMetadata.js';
import {
  HTTP_TELEMETRY_KEYS,
  type HttpInstrumentationMode,
  resolveHttpTelemetryOptions,
} from '../telemetry/httpTelemetryOptions.js';
import { isNoopMeter } from '../telemetry/isNoopMeter.js';
import { isNoopTracerProvider } from '../telemetry/isNoopTracerProvider.js';
import {
  ATTR,
  DURATION_BUCKETS_SECONDS,
  httpServerSpanName,
  INSTRUMENTATION_SCOPE,
  INSTRUMENTATION_VERSION,
  METRIC,
} from '../telemetry/names.js';
import type { HttpServerRequestGetter } from './HttpServerRequestGetter.js';
import { externalServerRequest, type HttpServerRequestHandle, ServerRequestSpan } from './HttpServerRequestHandle.js';
import { TelemetryGuard } from './TelemetryGuard.js';

export interface HttpServerTelemetryOptions {
  /** Default: the global tracer provider. */
  readonly tracerProvider?: TracerProvider;
  /** Default: the global meter provider (the histogram is created on the first request). */
  readonly meterProvider?: MeterProvider;
  /**
   * Who makes the SERVER span and `http.server.request.duration`: `'switchyard'` this class;
   * `'external'` OpenTelemetry's `@opentelemetry/instrumentation-http`; `'auto'` (default)
   * decides per request, `external` when instrumentation-http's RPC metadata is in the active
   * context. Without a span of its own it still continues the trace and reports the route.
   */
  readonly httpInstrumentation?: HttpInstrumentationMode;
  /** Full override of the known HTTP methods (else `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`, else semconv's list). */
  readonly knownHttpMethods?: readonly string[];
  /** Monotonic clock (ms) for request durations. */
  readonly clock?: Clock;
}

/** Name and version of the instrumentation scope: the server adapter's package. */
export interface HttpServerScope {
  readonly name: string;
  readonly version: string;
}

/**
 * The framework-neutral half of a server adapter: one SERVER span per request and
 * `http.server.request.duration`, following the stable HTTP semantic conventions, through
 * `@opentelemetry/api` only. The W3C parent comes from the request headers; the span is
 * named `{method} {route}`; only 5xx are errors (`error.type` = the error answered for, else
 * the status); a client that went away is `switchyard.request.aborted`, not an error.
 * Attributes samplers look at are given at the start, the rest only when the span records.
 * The adapter says how to read its requests (an `HttpServerRequestGetter`), when they end
 * and with what status. A throwing SDK part (span processor, instrument) never reaches the
 * request: the guard swallows it and reports it once through `diag`.
 */
export class HttpServerTelemetry {
  readonly mode: HttpInstrumentationMode;
  private readonly tracerProvider: TracerProvider;
  private readonly meterProvider: MeterProvider;
  private readonly knownMethods: ReadonlySet<string>;
  private readonly clock: Clock;
  private tracerInstance: Tracer | undefined;
  /** null: the meter is the API's no-op one, so there is nothing to record or time. */
  private durationInstance: Histogram | null | undefined;
  private readonly guard = new TelemetryGuard('server telemetry');

  /** Bad options throw a ConfigError naming them as an adapter's `telemetry` option (`telemetry.meterProvider`). */
  constructor(
    private readonly scope: HttpServerScope,
    options: HttpServerTelemetryOptions = {},
  ) {
    nonEmptyString('scope.name', scope.name);
    const shared = resolveHttpTelemetryOptions(options, HTTP_TELEMETRY_KEYS);
    this.mode = shared.mode;
    this.tracerProvider = shared.tracerProvider;
    this.meterProvider = shared.meterProvider;
    this.knownMethods = shared.knownMethods;
    this.clock = shared.clock;
  }

  /**
   * Starts observing `request`, read through `getter`. `route` is the matched route template
   * when the framework knows it already (else give the getter a `route`). Call it in the
   * context the request arrived in, and run the handler in the returned handle's `context`.
   */
  start<R>(request: R, getter: HttpServerRequestGetter<R>, route?: string): HttpServerRequestHandle {
    const active = context.active();
    return this.guard.run(
      () => this.startIn(active, request, getter, route),
      // No span of ours, but the caller's trace still continues where it can.
      () =>
        externalServerRequest(
          this.guard.run(
            () => propagation.extract(active, getter.headers(request)),
            () => active,
          ),
        ),
    );
  }

  private startIn<R>(
    active: Context,
    request: R,
    getter: HttpServerRequestGetter<R>,
    route: string | undefined,
  ): HttpServerRequestHandle {
    const headers = getter.headers(request);
    if (this.mode !== 'switchyard') {
      const metadata = httpRpcMetadataOf(active);
      if (metadata !== undefined || this.mode === 'external') {
        if (metadata !== undefined) {
          if (getter.route !== undefined) reportRouteLazily(metadata, () => getter.route?.(request) ?? route);
          else if (route !== undefined && metadata.route === undefined) metadata.route = route;
        }
        // Someone else makes the span: continue their trace, or at least the caller's.
        return externalServerRequest(
          trace.getSpan(active) === undefined ? propagation.extract(active, headers) : active,
        );
      }
    }
    const duration = this.duration;
    if (duration === undefined && isNoopTracerProvider(this.tracerProvider)) {
      // Nothing records: the no-op span would only carry the parent on, so skip building it.
      return externalServerRequest(propagation.extract(active, headers));
    }
    const rawMethod = getter.method(request);
    const method = canonicalHttpMethod(rawMethod, this.knownMethods);
    const scheme = getter.scheme(request);
    // `url.path` and `url.query` leave out a fragment (clients should not send one, some do).
    const target = getter.target(request);
    const hash = target.indexOf('#');
    const end = hash === -1 ? target.length : hash;
    const mark = target.indexOf('?');
    const query = mark !== -1 && mark < end ? mark : -1;
    const attributes: Attributes = {
      [ATTR.httpRequestMethod]: method,
      [ATTR.urlPath]: query !== -1 ? target.slice(0, query) : hash !== -1 ? target.slice(0, hash) : target,
      [ATTR.urlScheme]: scheme,
    };
    if (route !== undefined) attributes[ATTR.httpRoute] = route;
    const host = headers.host ?? headers[':authority'];
    if (typeof host === 'string' && host !== '') setServerAddressFromHost(attributes, host, scheme);
    const httpVersion = getter.httpVersion(request);
    const protocolVersion = httpVersion === undefined ? undefined : protocolVersionOf(httpVersion);
    const parent = propagation.extract(active, headers);
    const span = this.tracer.startSpan(
      httpServerSpanName(method, route),
      { kind: SpanKind.SERVER, attributes },
      parent,
    );
    if (span.isRecording()) {
      // Only what samplers may look at went in at the start; the rest costs only when recorded.
      if (method !== rawMethod) span.setAttribute(ATTR.httpRequestMethodOriginal, rawMethod);
      if (query !== -1 && query < end - 1)
        span.setAttribute(ATTR.urlQuery, redactUrlQuery(target.slice(query + 1, end)));
      if (protocolVersion !== undefined) span.setAttribute(ATTR.networkProtocolVersion, protocolVersion);
      const client = getter.clientAddress(request);
      if (client !== undefined) span.setAttribute(ATTR.clientAddress, client);
      const agent = headers['user-agent'];
      if (typeof agent === 'string') span.setAttribute(ATTR.userAgentOriginal, agent);
    }
    return new ServerRequestSpan(
      contextWith(parent, span),
      span,
      request,
      getter,
      method,
      scheme,
      protocolVersion,
      route,
      duration,
      this.clock,
      duration === undefined ? 0 : this.clock.now(),
      this.guard,
    );
  }

  private get tracer(): Tracer {
    this.tracerInstance ??= this.tracerProvider.getTracer(this.scope.name, this.scope.version);
    return this.tracerInstance;
  }

  /**
   * Created on the first request: the metrics API has no proxy, so an SDK registered after
   * construction still counts. Undefined without an SDK (the no-op meter).
   */
  private get duration(): Histogram | undefined {
    if (this.durationInstance === undefined) {
      const definition = METRIC.httpServerRequestDuration;
      // Core's scope, not the adapter's: two adapters in one process then record one
      // metric stream, and a Prometheus exporter writes one family (two scopes of one
      // name are two families, which Prometheus rejects). Spans keep the adapter's scope.
      const meter = this.meterProvider.getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
      this.durationInstance = isNoopMeter(meter)
        ? null
        : meter.createHistogram(definition.name, {
            unit: definition.unit,
            description: definition.description,
            advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
          });
    }
    return this.durationInstance ?? undefined;
  }
}
