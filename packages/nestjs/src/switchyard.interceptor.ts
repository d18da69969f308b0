import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { context as otelContext } from '@opentelemetry/api';
import { type Observable, tap } from 'rxjs';
import { type ServerRequestLike, ServerTelemetry } from './ServerTelemetry.js';
import { SWITCHYARD_MODULE_OPTIONS } from './switchyard.constants.js';
import type { SwitchyardModuleOptions } from './switchyard.interfaces.js';

/** Nest's metadata key for `@Controller(path)` and `@Get(path)` paths. */
const PATH_METADATA = 'path';

/**
 * One SERVER span per HTTP request that reaches a controller, named `{method} {route}`
 * from the matched route pattern, child of the caller's W3C trace context, active while
 * the handler runs (so Switchyard calls made by the handler are its children), ended when
 * the response is finished, with `http.server.request.duration` recorded. Registered
 * globally by `SwitchyardModule`. With `httpInstrumentation: 'external'` (or `'auto'` under
 * `@opentelemetry/instrumentation-http`) it makes no span but still runs the handler in the
 * caller's trace and reports the route; `telemetry: false` turns it off entirely.
 *
 * Requests that never reach a handler (404s, guards' rejections before interceptors run)
 * are not seen: interceptors run only around matched handlers.
 */
@Injectable()
export class SwitchyardTelemetryInterceptor implements NestInterceptor {
  private readonly telemetry: ServerTelemetry | undefined;

  constructor(
    @Inject(SWITCHYARD_MODULE_OPTIONS) options: SwitchyardModuleOptions,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {
    this.telemetry = options.telemetry === false ? undefined : new ServerTelemetry(options.telemetry);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.telemetry === undefined || context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = nodeRequest(http.getRequest());
    const response = nodeResponse(http.getResponse());
    if (request === undefined || response === undefined) return next.handle();
    const handle = this.telemetry.start(request, this.routeOf(http.getRequest(), context));
    let failure: unknown;
    // `close` follows `finish` for a finished response; without it, the client went away first.
    response.once('close', () => {
      const aborted = !response.writableFinished;
      const statusCode = aborted && !response.headersSent ? undefined : response.statusCode;
      handle.end({ statusCode, error: failure, aborted });
    });
    // Nest binds the handler's async scope when `handle()` is called: call it inside the span's context.
    return otelContext
      .with(handle.context, () => next.handle())
      .pipe(
        tap({
          error: (error: unknown) => {
            failure = error;
          },
        }),
      );
  }

  /** The route pattern: Express's matched route, Fastify's route URL, else Nest's metadata. */
  private routeOf(request: unknown, context: ExecutionContext): string | undefined {
    const r = request as { route?: { path?: unknown }; routeOptions?: { url?: unknown } } | undefined;
    if (typeof r?.route?.path === 'string') return r.route.path;
    if (typeof r?.routeOptions?.url === 'string') return r.routeOptions.url;
    const controller = this.reflector.get<unknown>(PATH_METADATA, context.getClass());
    const handler = this.reflector.get<unknown>(PATH_METADATA, context.getHandler());
    if (typeof controller !== 'string' && typeof handler !== 'string') return undefined;
    const joined = [controller, handler]
      .filter((part): part is string => typeof part === 'string')
      .map((part) => part.replace(/^\/+|\/+$/g, ''))
      .filter((part) => part !== '')
      .join('/');
    return `/${joined}`;
  }
}

/** The Node request: Express's request is one; Fastify's wraps one as `raw`. */
function nodeRequest(request: unknown): ServerRequestLike | undefined {
  const raw = (request as { raw?: unknown } | undefined)?.raw;
  const candidate = (typeof raw === 'object' && raw !== null ? raw : request) as Partial<IncomingMessage> | undefined;
  return typeof candidate?.headers === 'object' && candidate.headers !== null
    ? (candidate as ServerRequestLike)
    : undefined;
}

/** The Node response under Express's response or Fastify's `reply.raw`. */
function nodeResponse(response: unknown): ServerResponse | undefined {
  const candidate = (response as { raw?: unknown } | undefined)?.raw ?? response;
  const r = candidate as Partial<ServerResponse> | undefined;
  return typeof r?.once === 'function' && typeof r.statusCode === 'number' ? (r as ServerResponse) : undefined;
}
