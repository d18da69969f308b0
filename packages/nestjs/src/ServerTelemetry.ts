import type { IncomingHttpHeaders } from 'node:http';
import {
  type Attributes,
  type Context,
  type Histogram,
  isSpanContextValid,
  type MeterProvider,
  metrics,
  context as otelContext,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { DURATION_BUCKETS_SECONDS, errorTypeOf, type HttpInstrumentationMode } from '@switchyard/core';
import {
  DEFAULT_KNOWN_HTTP_METHODS,
  HTTP_METHOD_OTHER,
  HTTP_SERVER_REQUEST_DURATION,
  SERVER_ATTR,
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
  readonly socket?:
    | {
        readonly remoteAddress?: string | undefined;
        readonly remotePort?: number | undefined;
        readonly encrypted?: boolean;
      }
    | undefined;
}

/** One request being observed. */
export interface ServerRequestHandle {
  /** The extracted parent context with the request's span: run the handler in it. */
  readonly context: Context;
  /**
   * Ends the span and records the duration. `statusCode` undefined means the connection
   * closed before a response was sent: the span ends without a status and no duration is
   * recorded (there is none to speak of). `error` is what the handler threw, if anything.
   */
  end(statusCode: number | undefined, error?: unknown): void;
}

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
 * semantic conventions: span `{method} {route}`, W3C parent extracted from the headers,
 * `ERROR` status and `error.type` only for 5xx (a 4xx is the client's problem).
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

  /**
   * Starts observing `request`, or returns undefined when another instrumentation owns
   * server spans: always in `external` mode, and in `auto` mode when a span is already
   * active for the request (OpenTelemetry's http instrumentation starts one first).
   */
  start(request: ServerRequestLike, route: string | undefined): ServerRequestHandle | undefined {
    if (this.mode === 'external') return undefined;
    if (this.mode === 'auto') {
      const active = trace.getSpan(otelContext.active());
      if (active !== undefined && isSpanContextValid(active.spanContext())) return undefined;
    }
    const started = performance.now();
    const rawMethod = request.method ?? 'GET';
    const method = this.canonicalMethod(rawMethod);
    const scheme = request.socket?.encrypted === true ? 'https' : 'http';
    const target = parseTarget(request.originalUrl ?? request.url ?? '/');
    const host = parseHost(request.headers.host, scheme);
    // The attributes samplers may look at are given at start, as the conventions advise.
    const startAttributes: Attributes = {
      [SERVER_ATTR.httpRequestMethod]: method,
      [SERVER_ATTR.urlScheme]: scheme,
      [SERVER_ATTR.urlPath]: target.path,
    };
    if (target.query !== undefined) startAttributes[SERVER_ATTR.urlQuery] = target.query;
    if (route !== undefined) startAttributes[SERVER_ATTR.httpRoute] = route;
    if (host !== undefined) {
      startAttributes[SERVER_ATTR.serverAddress] = host.address;
      startAttributes[SERVER_ATTR.serverPort] = host.port;
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = this.tracer().startSpan(
      serverSpanName(method, route),
      { kind: SpanKind.SERVER, attributes: startAttributes },
      parent,
    );
    const protocolVersion = request.httpVersion;
    if (span.isRecording()) setRequestDetails(span, request, rawMethod, method);
    let ended = false;
    return {
      context: trace.setSpan(parent, span),
      end: (statusCode, error) => {
        if (ended) return;
        ended = true;
        const errorType =
          statusCode !== undefined && statusCode >= 500
            ? error === undefined
              ? String(statusCode)
              : errorTypeOf(error)
            : undefined;
        if (statusCode !== undefined) span.setAttribute(SERVER_ATTR.httpResponseStatusCode, statusCode);
        if (errorType !== undefined) {
          span.setAttribute(SERVER_ATTR.errorType, errorType);
          span.setStatus({ code: SpanStatusCode.ERROR });
          if (error !== undefined) span.recordException(toException(error));
        }
        span.end();
        if (statusCode === undefined) return;
        const attributes: Attributes = {
          [SERVER_ATTR.httpRequestMethod]: method,
          [SERVER_ATTR.urlScheme]: scheme,
          [SERVER_ATTR.httpResponseStatusCode]: statusCode,
        };
        if (route !== undefined) attributes[SERVER_ATTR.httpRoute] = route;
        if (protocolVersion !== undefined) attributes[SERVER_ATTR.networkProtocolVersion] = protocolVersion;
        if (errorType !== undefined) attributes[SERVER_ATTR.errorType] = errorType;
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
    this.durationInstance ??= this.meterProvider
      .getMeter(SERVER_INSTRUMENTATION_SCOPE, SERVER_INSTRUMENTATION_VERSION)
      .createHistogram(HTTP_SERVER_REQUEST_DURATION.name, {
        unit: HTTP_SERVER_REQUEST_DURATION.unit,
        description: HTTP_SERVER_REQUEST_DURATION.description,
        advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
      });
    return this.durationInstance;
  }
}

function setRequestDetails(span: Span, request: ServerRequestLike, rawMethod: string, method: string): void {
  if (rawMethod !== method) span.setAttribute(SERVER_ATTR.httpRequestMethodOriginal, rawMethod);
  if (request.httpVersion !== undefined) span.setAttribute(SERVER_ATTR.networkProtocolVersion, request.httpVersion);
  const userAgent = request.headers['user-agent'];
  if (userAgent !== undefined) span.setAttribute(SERVER_ATTR.userAgentOriginal, userAgent);
  const peer = request.socket?.remoteAddress;
  if (peer !== undefined) {
    span.setAttribute(SERVER_ATTR.clientAddress, peer);
    span.setAttribute(SERVER_ATTR.networkPeerAddress, peer);
  }
  const peerPort = request.socket?.remotePort;
  if (peerPort !== undefined) span.setAttribute(SERVER_ATTR.networkPeerPort, peerPort);
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
function parseHost(header: string | undefined, scheme: string): { address: string; port: number } | undefined {
  if (header === undefined || header === '') return undefined;
  let url: URL;
  try {
    url = new URL(`${scheme}://${header}`);
  } catch {
    return undefined;
  }
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { address: hostname, port: url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port) };
}

function toException(error: unknown): Error | string {
  return error instanceof Error ? error : String(error);
}
