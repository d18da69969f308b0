import { type HttpServerRequestGetter, HttpServerTelemetry, type HttpServerTelemetryOptions } from '@switchyard/core';
import type { Response } from 'express';
import type { RequestContext } from './RequestContext.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';

/**
 * `switchyard({ telemetry })`: core's server telemetry options (providers, `httpInstrumentation`,
 * `knownHttpMethods`). With `httpInstrumentation: 'external'` (or `'auto'` under
 * `@opentelemetry/instrumentation-http`) the middleware only continues the trace and tells
 * instrumentation-http the route.
 */
export type ServerTelemetryOptions = Omit<HttpServerTelemetryOptions, 'clock'>;

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
