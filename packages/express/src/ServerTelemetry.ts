import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import {
  HTTP_INSTRUMENTATION_MODES,
  type HttpInstrumentationMode,
  type HttpServerRequestGetter,
  HttpServerTelemetry,
} from '@switchyard/core';
import type { Response } from 'express';
import type { RequestContext } from './RequestContext.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';

/**
 * Who makes the SERVER span and `http.server.request.duration`:
 * - `switchyard`: this middleware.
 * - `external`: OpenTelemetry's `@opentelemetry/instrumentation-http` (with or without
 *   `instrumentation-express`); the middleware only continues its trace and tells it the route.
 * - `auto` (default): `external` for requests that instrumentation-http already handles
 *   (it puts its RPC metadata in the active context), else `switchyard`. Decided per request.
 */
export type ServerInstrumentationMode = HttpInstrumentationMode;

export const SERVER_INSTRUMENTATION_MODES: readonly ServerInstrumentationMode[] = HTTP_INSTRUMENTATION_MODES;

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
 * How core's server telemetry reads an Express request, through its `req.switchyard`.
 * `req.protocol` and `req.ip` honour `trust proxy`; the route is known only once Express
 * has routed, so it is read at the end (and by instrumentation-http when it ends its span).
 */
const EXPRESS_REQUEST: HttpServerRequestGetter<RequestContext> = {
  method: (ctx) => ctx.req.method,
  scheme: (ctx) => ctx.req.protocol,
  target: (ctx) => ctx.req.originalUrl,
  headers: (ctx) => ctx.req.headers,
  httpVersion: (ctx) => ctx.req.httpVersion,
  clientAddress: (ctx) => ctx.req.ip ?? ctx.req.socket.remoteAddress,
  route: (ctx) => ctx.route(),
};

/** The SERVER span and `http.server.request.duration` of each request, by core's `HttpServerTelemetry`. */
export class ServerTelemetry {
  private readonly telemetry: HttpServerTelemetry;

  constructor(options: ServerTelemetryOptions = {}) {
    this.telemetry = new HttpServerTelemetry(
      { name: INSTRUMENTATION_SCOPE, version: INSTRUMENTATION_VERSION },
      options,
    );
  }

  /** Starts the request's telemetry and sets `ctx.context`: the context its handlers and downstream calls run in. */
  start(ctx: RequestContext): void {
    const handle = this.telemetry.start(ctx, EXPRESS_REQUEST);
    ctx.telemetry = handle;
    ctx.context = handle.context;
  }

  /** Ends the span and records the duration; called once, when the response closes. */
  end(res: Response, ctx: RequestContext): void {
    // A disconnect before the head was sent has no status; after it, the status stands.
    const statusCode = ctx.disconnected && !res.headersSent ? undefined : res.statusCode;
    ctx.telemetry?.end({ statusCode, error: ctx.failure, aborted: ctx.disconnected });
  }
}
