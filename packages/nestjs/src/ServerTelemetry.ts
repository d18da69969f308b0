import type { IncomingHttpHeaders } from 'node:http';
import {
  type Attributes,
  type Context,
  type Histogram,
  type MeterProvider,
  metrics,
  context as otelContext,
  propagation,
  type Span,
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
  type HttpInstrumentationMode,
  isHttpStatusError,
  TELEMETRY_METRICS,
} from '@switchyard/core';
import {
  DEFAULT_KNOWN_HTTP_METHODS,
  HTTP_METHOD_OTHER,
  SERVER_INSTRUMENTATION_SCOPE,
  SERVER_INSTRUMENTATION_VERSION,
  serverSpanName,
} from './serverNames.js';
import type { SwitchyardServerTelemetryOptions } from './switchyard.interfaces.js';

/** The parts of a Node `IncomingMessage` (or Express request) the telemetry reads. */
export interface ServerRequestLike {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** Express keeps the URL as received here while routers rewrite `url`. */
  readonly originalUrl?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly httpVersion?: string | undefined;
  readonly socket?: { readonly remoteAddress?: string | undefined; readonly encrypted?: boolean } | undefined;
}

/** How a request ended. */
export interface ServerRequestResult {
  /** The status sent; undefined when the client went away before a response head was sent. */
  readonly statusCode?: number | undefined;
  /** What the handler threw, if anything. */
  readonly error?: unknown;
  /** The client went away before the response was finished. */
  readonly aborted?: boolean;
}

/** One request being observed. */
export interface ServerRequestHandle {
  /** The context to run the handler in: the request's span, or the trace someone else started. */
  readonly context: Context;
  /** Ends the span and records the duration (once; later calls do nothing). */
  end(result: ServerRequestResult): void;
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

/** Query keys whose values the conventions say to redact (case-sensitive). */
const SENSITIVE_QUERY_KEYS = new Set([
  'AWSAccessKeyId',
  'Signature',
  'sig',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
]);

/**
 * SERVER spans and `http.server.request.duration` for requests, following the stable HTTP
 * semantic conventions (names from core's `names.ts`, shared with the Express adapter):
 * span `{method} {route}`, W3C parent extracted from the headers, `ERROR` status and
 * `error.type` only for 5xx (a 4xx is the client's problem).
 *
 * Who makes the span: `'switchyard'` this class; `'external'` OpenTelemetry's
 * `@opentelemetry/instrumentation-http`; `'auto'` (default) decides per request —
 * `external` when instrumentation-http's RPC metadata is in the active context. When it
 * does not make the span it still continues the trace (the active span, else the caller's
 * `traceparent`) and tells instrumentation-http the route.
 */
export class ServerTelemetry {
  private readonly mode: HttpInstrumentationMode;
  private readonly tracerProvider: TracerProvider;
  private readonly meterProvider: MeterProvider;
  private readonly knownMethods: ReadonlySet<string>;
  private tracerInstance: Tracer | undefined;
  private durationInstance: Histogram | undefined;

  constructor(options: SwitchyardServerTelemetryOptions = {}) {
    this.mode = options.httpInstrumentation ?? 'auto';
    this.tracerProvider = options.tracerProvider ?? trace;
    this.meterProvider = options.meterProvider ?? metrics;
    this.knownMethods = knownHttpMethods(options.knownHttpMethods);
  }

  /** Starts observing `request`, matched to the route pattern `route` (undefined if unknown). */
  start(request: ServerRequestLike, route: string | undefined): ServerRequestHandle {
    const active = otelContext.active();
    if (this.mode !== 'switchyard') {
      const metadata = rpcMetadataOf(active);
      if (metadata !== undefined || this.mode === 'external') {
        if (metadata !== undefined && metadata.route === undefined && route !== undefined) metadata.route = route;
        const context = trace.getSpan(active) === undefined ? propagation.extract(active, request.headers) : active;
        return { context, end: () => {} };
      }
    }
    const started = performance.now();
    const rawMethod = request.method ?? 'GET';
    const method = this.canonicalMethod(rawMethod);
    const scheme = request.socket?.encrypted === true ? 'https' : 'http';
    const target = parseTarget(request.originalUrl ?? request.url ?? '/');
    const host = parseHost(request.headers.host ?? request.headers[':authority'], scheme);
    const protocolVersion = request.httpVersion === undefined ? undefined : normalizeVersion(request.httpVersion);
    // The attributes samplers may look at are given at start, as the conventions advise.
    const startAttributes: Attributes = {
      [ATTR.httpRequestMethod]: method,
      [ATTR.urlScheme]: scheme,
      [ATTR.urlPath]: target.path,
    };
    if (route !== undefined) startAttributes[ATTR.httpRoute] = route;
    if (host !== undefined) {
      startAttributes[ATTR.serverAddress] = host.address;
      startAttributes[ATTR.serverPort] = host.port;
    }
    const parent = propagation.extract(active, request.headers);
    const span = this.tracer().startSpan(
      serverSpanName(method, route),
      { kind: SpanKind.SERVER, attributes: startAttributes },
      parent,
    );
    if (span.isRecording()) setRequestDetails(span, request, rawMethod, method, target.query, protocolVersion);
    let ended = false;
    return {
      context: trace.setSpan(parent, span),
      end: ({ statusCode, error, aborted }) => {
        if (ended) return;
        ended = true;
        const errorType =
          statusCode !== undefined && statusCode >= 500 ? serverErrorType(statusCode, error) : undefined;
        if (statusCode !== undefined) span.setAttribute(ATTR.httpResponseStatusCode, statusCode);
        if (aborted === true) span.setAttribute(ATTR.requestAborted, true);
        if (errorType !== undefined) {
          span.setAttribute(ATTR.errorType, errorType);
          span.setStatus({ code: SpanStatusCode.ERROR });
          if (error !== undefined) span.recordException(error instanceof Error ? error : String(error));
        }
        span.end();
        const attributes: Attributes = { [ATTR.httpRequestMethod]: method, [ATTR.urlScheme]: scheme };
        if (route !== undefined) attributes[ATTR.httpRoute] = route;
        if (statusCode !== undefined) attributes[ATTR.httpResponseStatusCode] = statusCode;
        if (protocolVersion !== undefined) attributes[ATTR.networkProtocolVersion] = protocolVersion;
        if (errorType !== undefined) attributes[ATTR.errorType] = errorType;
        this.duration().record((performance.now() - started) / 1000, attributes);
      },
    };
  }

  private canonicalMethod(method: string): string {
    if (this.knownMethods.has(method)) return method;
    const upper = method.toUpperCase();
    return this.knownMethods.has(upper) ? upper : HTTP_METHOD_OTHER;
  }

  private tracer(): Tracer {
    this.tracerInstance ??= this.tracerProvider.getTracer(SERVER_INSTRUMENTATION_SCOPE, SERVER_INSTRUMENTATION_VERSION);
    return this.tracerInstance;
  }

  /** Created on first use: the metrics API has no proxy, so a later-registered SDK is still picked up. */
  private duration(): Histogram {
    const definition = TELEMETRY_METRICS.httpServerRequestDuration;
    this.durationInstance ??= this.meterProvider
      .getMeter(SERVER_INSTRUMENTATION_SCOPE, SERVER_INSTRUMENTATION_VERSION)
      .createHistogram(definition.name, {
        unit: definition.unit,
        description: definition.description,
        advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
      });
    return this.durationInstance;
  }
}

function rpcMetadataOf(ctx: Context): RpcMetadata | undefined {
  const value = ctx.getValue(RPC_METADATA_KEY) as RpcMetadata | undefined;
  return typeof value === 'object' && value !== null && value.type === 'http' ? value : undefined;
}

function setRequestDetails(
  span: Span,
  request: ServerRequestLike,
  rawMethod: string,
  method: string,
  query: string | undefined,
  protocolVersion: string | undefined,
): void {
  if (rawMethod !== method) span.setAttribute(ATTR.httpRequestMethodOriginal, rawMethod);
  if (query !== undefined) span.setAttribute(ATTR.urlQuery, query);
  if (protocolVersion !== undefined) span.setAttribute(ATTR.networkProtocolVersion, protocolVersion);
  const userAgent = request.headers['user-agent'];
  if (userAgent !== undefined) span.setAttribute(ATTR.userAgentOriginal, userAgent);
  const peer = request.socket?.remoteAddress;
  if (peer !== undefined) span.setAttribute(ATTR.clientAddress, peer);
}

/**
 * `error.type` of a 5xx: the Switchyard error the exception filter answered for
 * (`SWITCHYARD_BROKEN_CIRCUIT`, `timeout`, ...), else the status code.
 */
function serverErrorType(status: number, error: unknown): string {
  if (error === undefined || isHttpStatusError(error)) return String(status);
  const type = errorTypeOf(error);
  return type === '_OTHER' ? String(status) : type;
}

/** `network.protocol.version`: `1.1`, `2` (Node reports `2.0`). */
function normalizeVersion(httpVersion: string): string {
  return httpVersion === '2.0' ? '2' : httpVersion;
}

/** The known-method list: the override, else `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`, else the defaults. */
function knownHttpMethods(override: readonly string[] | undefined): ReadonlySet<string> {
  if (override !== undefined) return new Set(override);
  const env = process.env.OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS;
  if (env !== undefined && env.trim() !== '') {
    return new Set(
      env
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== ''),
    );
  }
  return new Set(DEFAULT_KNOWN_HTTP_METHODS);
}

/** `url.path` and `url.query` (without `?`, signature values redacted) of a request target. */
function parseTarget(target: string): { path: string; query: string | undefined } {
  const hash = target.indexOf('#');
  const withoutHash = hash === -1 ? target : target.slice(0, hash);
  const mark = withoutHash.indexOf('?');
  if (mark === -1) return { path: withoutHash, query: undefined };
  const query = withoutHash.slice(mark + 1);
  return { path: withoutHash.slice(0, mark), query: query === '' ? undefined : redactQuery(query) };
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq !== -1 && SENSITIVE_QUERY_KEYS.has(part.slice(0, eq)) ? `${part.slice(0, eq)}=REDACTED` : part;
    })
    .join('&');
}

/** `server.address` and `server.port` from the Host header (the port defaults by scheme). */
function parseHost(
  header: string | string[] | undefined,
  scheme: string,
): { address: string; port: number } | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  let url: URL;
  try {
    url = new URL(`${scheme}://${header}`);
  } catch {
    return undefined;
  }
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { address: hostname, port: url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port) };
}
