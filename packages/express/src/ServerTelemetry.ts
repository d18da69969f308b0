import { performance } from 'node:perf_hooks';
import {
  type Attributes,
  type Context,
  type Histogram,
  type MeterProvider,
  metrics,
  context as otelContext,
  propagation,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import {
  TELEMETRY_ATTRIBUTES as ATTR,
  DURATION_BUCKETS_SECONDS,
  errorTypeOf,
  isHttpStatusError,
  TELEMETRY_METRICS,
} from '@switchyard/core';
import type { Request, Response } from 'express';
import { ConfigError, objectOption, oneOfOption, providerOption } from './errors.js';
import { canonicalHttpMethod, HTTP_METHOD_OTHER, knownHttpMethods } from './httpMethod.js';
import type { RequestContext } from './RequestContext.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';
import { redactedQuery } from './urlQuery.js';

/**
 * Who makes the SERVER span and `http.server.request.duration`:
 * - `switchyard`: this middleware.
 * - `external`: OpenTelemetry's `@opentelemetry/instrumentation-http` (with or without
 *   `instrumentation-express`); the middleware only continues its trace and tells it the route.
 * - `auto` (default): `external` for requests that instrumentation-http already handles
 *   (it puts its RPC metadata in the active context), else `switchyard`. Decided per request.
 */
export type ServerInstrumentationMode = 'auto' | 'switchyard' | 'external';

export const SERVER_INSTRUMENTATION_MODES: readonly ServerInstrumentationMode[] = ['auto', 'switchyard', 'external'];

export interface ServerTelemetryOptions {
  /** Default: the global tracer provider. */
  readonly tracerProvider?: TracerProvider;
  /** Default: the global meter provider (instruments are created on the first request). */
  readonly meterProvider?: MeterProvider;
  /** Default `'auto'`. */
  readonly httpInstrumentation?: ServerInstrumentationMode;
  /** Full override of the known HTTP methods (else `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`, else semconv's list). */
  readonly knownHttpMethods?: readonly string[];
}

/**
 * The RPC metadata `@opentelemetry/instrumentation-http` puts in the context of each
 * incoming request; framework instrumentations set `route` on it, and it reads `route`
 * back for its span and metric. The key comes from `createContextKey`, a `Symbol.for`.
 */
interface RpcMetadata {
  type?: unknown;
  route?: string | undefined;
}
const RPC_METADATA_KEY = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');

function rpcMetadataOf(ctx: Context): RpcMetadata | undefined {
  const value = ctx.getValue(RPC_METADATA_KEY) as RpcMetadata | undefined;
  return typeof value === 'object' && value !== null && value.type === 'http' ? value : undefined;
}

/**
 * One SERVER span per request with the stable HTTP server attributes, and
 * `http.server.request.duration`, through `@opentelemetry/api` only.
 */
export class ServerTelemetry {
  readonly mode: ServerInstrumentationMode;
  private readonly tracerProvider: TracerProvider;
  private readonly meterProvider: MeterProvider;
  private readonly knownMethods: ReadonlySet<string>;
  private tracerInstance: Tracer | undefined;
  private durationInstance: Histogram | undefined;

  constructor(options: ServerTelemetryOptions = {}) {
    objectOption('telemetry', options);
    this.mode =
      options.httpInstrumentation === undefined
        ? 'auto'
        : oneOfOption('telemetry.httpInstrumentation', options.httpInstrumentation, SERVER_INSTRUMENTATION_MODES);
    this.tracerProvider = providerOption('telemetry.tracerProvider', options.tracerProvider, 'getTracer') ?? trace;
    this.meterProvider = providerOption('telemetry.meterProvider', options.meterProvider, 'getMeter') ?? metrics;
    const override = options.knownHttpMethods;
    if (override !== undefined && (!Array.isArray(override) || override.some((m) => typeof m !== 'string'))) {
      throw new ConfigError('telemetry.knownHttpMethods', 'an array of strings', override);
    }
    this.knownMethods = knownHttpMethods(override);
  }

  /**
   * Starts the request's telemetry and sets `target.context`: the context its handlers and
   * downstream calls run in.
   */
  start(req: Request, target: RequestContext): void {
    const active = otelContext.active();
    target.startedAt = performance.now();
    if (this.mode !== 'switchyard') {
      const metadata = rpcMetadataOf(active);
      if (metadata !== undefined || this.mode === 'external') {
        // Someone else makes the span: continue their trace, or at least the caller's.
        target.context = trace.getSpan(active) === undefined ? propagation.extract(active, req.headers) : active;
        if (metadata !== undefined) reportRoute(metadata, target);
        return;
      }
    }
    const parent = propagation.extract(active, req.headers);
    const method = canonicalHttpMethod(req.method, this.knownMethods);
    const url = req.originalUrl;
    const q = url.indexOf('?');
    // Sampling-relevant attributes go in at start, the rest only when the span records.
    const scheme = req.protocol;
    target.scheme = scheme;
    const attributes: Attributes = {
      [ATTR.httpRequestMethod]: method,
      [ATTR.urlPath]: q === -1 ? url : url.slice(0, q),
      [ATTR.urlScheme]: scheme,
    };
    const host = req.headers.host ?? req.headers[':authority'];
    if (typeof host === 'string' && host !== '') setHost(attributes, host, scheme);
    target.method = method;
    target.protocolVersion = protocolVersion(req.httpVersion);
    const span = this.tracer.startSpan(
      method === HTTP_METHOD_OTHER ? 'HTTP' : method,
      { kind: SpanKind.SERVER, attributes },
      parent,
    );
    if (span.isRecording()) {
      if (q !== -1 && q < url.length - 1) span.setAttribute(ATTR.urlQuery, redactedQuery(url.slice(q + 1)));
      if (method !== req.method) span.setAttribute(ATTR.httpRequestMethodOriginal, req.method);
      span.setAttribute(ATTR.networkProtocolVersion, target.protocolVersion);
      const client = req.ip ?? req.socket.remoteAddress;
      if (client !== undefined) span.setAttribute(ATTR.clientAddress, client);
      const agent = req.headers['user-agent'];
      if (agent !== undefined) span.setAttribute(ATTR.userAgentOriginal, agent);
    }
    target.span = span;
    target.context = trace.setSpan(parent, span);
  }

  /** Ends the span and records the duration; called once, when the response closes. */
  end(res: Response, target: RequestContext): void {
    const span = target.span;
    if (span === undefined) return;
    const seconds = (performance.now() - target.startedAt) / 1000;
    const route = target.route();
    const method = target.method;
    // A disconnect before the head was sent has no status; after it, the status stands.
    const status = target.disconnected && !res.headersSent ? undefined : res.statusCode;
    const errorType = status !== undefined && status >= 500 ? serverErrorType(status, target.failure) : undefined;
    const attributes: Attributes = {
      [ATTR.httpRequestMethod]: method,
      [ATTR.urlScheme]: target.scheme,
      [ATTR.networkProtocolVersion]: target.protocolVersion,
    };
    if (route !== undefined) attributes[ATTR.httpRoute] = route;
    if (status !== undefined) attributes[ATTR.httpResponseStatusCode] = status;
    if (errorType !== undefined) attributes[ATTR.errorType] = errorType;
    this.duration.record(seconds, attributes);

    if (span.isRecording()) {
      if (route !== undefined) {
        span.updateName(`${method === HTTP_METHOD_OTHER ? 'HTTP' : method} ${route}`);
        span.setAttribute(ATTR.httpRoute, route);
      }
      if (status !== undefined) span.setAttribute(ATTR.httpResponseStatusCode, status);
      if (target.disconnected) span.setAttribute(ATTR.requestAborted, true);
      if (target.failure instanceof Error) span.recordException(target.failure);
      if (errorType !== undefined) {
        span.setAttribute(ATTR.errorType, errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    span.end();
  }

  private get tracer(): Tracer {
    this.tracerInstance ??= this.tracerProvider.getTracer(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
    return this.tracerInstance;
  }

  /** Created on first use: the metrics API has no proxy, so an SDK registered later still counts. */
  private get duration(): Histogram {
    this.durationInstance ??= this.meterProvider
      .getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION)
      .createHistogram(TELEMETRY_METRICS.httpServerRequestDuration.name, {
        unit: TELEMETRY_METRICS.httpServerRequestDuration.unit,
        description: TELEMETRY_METRICS.httpServerRequestDuration.description,
        advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
      });
    return this.durationInstance;
  }
}

/**
 * Tells instrumentation-http the route through its RPC metadata, read when it ends its
 * span: an accessor so the route seen then is the one matched by then. A value someone
 * assigns (instrumentation-express, which knows parameterised mount paths) wins.
 */
function reportRoute(metadata: RpcMetadata, target: RequestContext): void {
  let assigned = metadata.route;
  Object.defineProperty(metadata, 'route', {
    configurable: true,
    enumerable: true,
    get: () => assigned ?? target.route(),
    set: (value: string | undefined) => {
      assigned = value;
    },
  });
}

/**
 * `error.type` of a 5xx: the Switchyard error the error handler answered for
 * (`SWITCHYARD_BROKEN_CIRCUIT`, `timeout`, ...), else the status code.
 */
function serverErrorType(status: number, failure: unknown): string {
  if (failure === undefined || isHttpStatusError(failure)) return String(status);
  const type = errorTypeOf(failure);
  return type === '_OTHER' ? String(status) : type;
}

/** `network.protocol.version`: `1.1`, `2` (Node reports `2.0`). */
function protocolVersion(httpVersion: string): string {
  return httpVersion === '2.0' ? '2' : httpVersion;
}

/** `server.address` and `server.port` from the Host header (`:authority` on HTTP/2); the port defaults by scheme. */
function setHost(attributes: Attributes, header: string, scheme: string): void {
  let address = header;
  let port: number | undefined;
  if (header.startsWith('[')) {
    const end = header.indexOf(']');
    if (end !== -1) {
      address = header.slice(1, end);
      port = portOf(header.slice(end + 1));
    }
  } else {
    const colon = header.lastIndexOf(':');
    if (colon !== -1) {
      address = header.slice(0, colon);
      port = portOf(header.slice(colon));
    }
  }
  attributes[ATTR.serverAddress] = address;
  attributes[ATTR.serverPort] = port ?? (scheme === 'https' ? 443 : 80);
}

function portOf(suffix: string): number | undefined {
  if (!suffix.startsWith(':')) return undefined;
  const port = Number(suffix.slice(1));
  return Number.isInteger(port) && port > 0 && port <= 65535 ? port : undefined;
}
