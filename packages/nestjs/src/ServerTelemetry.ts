import type { IncomingHttpHeaders } from 'node:http';
import { type HttpServerRequestGetter, type HttpServerRequestHandle, HttpServerTelemetry } from '@switchyard/core';
import { SERVER_INSTRUMENTATION_SCOPE, SERVER_INSTRUMENTATION_VERSION } from './serverNames.js';
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

/** How core's server telemetry reads the Node request under Express or Fastify. */
const NODE_REQUEST: HttpServerRequestGetter<ServerRequestLike> = {
  method: (request) => request.method ?? 'GET',
  scheme: (request) => (request.socket?.encrypted === true ? 'https' : 'http'),
  target: (request) => request.originalUrl ?? request.url ?? '/',
  headers: (request) => request.headers,
  httpVersion: (request) => request.httpVersion,
  clientAddress: (request) => request.socket?.remoteAddress,
};

/**
 * SERVER spans and `http.server.request.duration` for requests, by core's
 * `HttpServerTelemetry` (shared with the Express adapter): span `{method} {route}`, W3C
 * parent extracted from the headers, `ERROR` status and `error.type` only for 5xx (a 4xx is
 * the client's problem).
 *
 * Who makes the span: `'switchyard'` this class; `'external'` OpenTelemetry's
 * `@opentelemetry/instrumentation-http`; `'auto'` (default) decides per request —
 * `external` when instrumentation-http's RPC metadata is in the active context. When it
 * does not make the span it still continues the trace (the active span, else the caller's
 * `traceparent`) and tells instrumentation-http the route.
 */
export class ServerTelemetry {
  private readonly telemetry: HttpServerTelemetry;

  constructor(options: SwitchyardServerTelemetryOptions = {}) {
    this.telemetry = new HttpServerTelemetry(
      { name: SERVER_INSTRUMENTATION_SCOPE, version: SERVER_INSTRUMENTATION_VERSION },
      options,
    );
  }

  /** Starts observing `request`, matched to the route pattern `route` (undefined if unknown). */
  start(request: ServerRequestLike, route: string | undefined): HttpServerRequestHandle {
    return this.telemetry.start(request, NODE_REQUEST, route);
  }
}
