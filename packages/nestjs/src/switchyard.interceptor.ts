import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { context as otelContext } from '@opentelemetry/api';
import type { ServiceClient } from '@switchyard/core';
import { NODE_REQUEST_GETTER, type NodeRequestLike, ServerRequests } from '@switchyard/core/server';
import { type Observable, tap } from 'rxjs';
import { nodeRequest, nodeResponse } from './nodeHttp.js';
import { SWITCHYARD_CLIENT, SWITCHYARD_MODULE_OPTIONS } from './switchyard.constants.js';
import type { SwitchyardModuleOptions } from './switchyard.interfaces.js';
import { SERVER_SCOPE } from './switchyard.options.js';

/** Nest's metadata key for `@Controller(path)` and `@Get(path)` paths. */
const PATH_METADATA = 'path';

/**
 * Starts core's server request for every HTTP request that reaches a controller: its SERVER
 * span `{method} {route}` (unless `telemetry: false` or another instrumentation makes it),
 * active while the handler runs, ended when the response closes, and the request scope the
 * exception filter and `@SwitchyardRequest()` use. Registered globally by `SwitchyardModule`.
 * Requests that never reach a handler (404s, guards' rejections) are not seen.
 */
@Injectable()
export class SwitchyardTelemetryInterceptor implements NestInterceptor {
  private readonly requests: ServerRequests<NodeRequestLike>;

  constructor(
    @Inject(SWITCHYARD_MODULE_OPTIONS) options: SwitchyardModuleOptions,
    @Inject(SWITCHYARD_CLIENT) client: ServiceClient,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {
    const telemetry = options.telemetry === false ? false : { ...options.telemetry };
    if (telemetry !== false) delete (telemetry as { loggerProvider?: unknown }).loggerProvider;
    this.requests = new ServerRequests({ scope: SERVER_SCOPE, getter: NODE_REQUEST_GETTER, telemetry, client });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = nodeRequest(http.getRequest());
    const response = nodeResponse(http.getResponse());
    if (request === undefined || response === undefined) return next.handle();
    const scope = this.requests.start(request, response, this.routeOf(http.getRequest(), context));
    // Nest binds the handler's async scope when `handle()` is called: call it inside the request's context.
    return otelContext
      .with(scope.context, () => next.handle())
      .pipe(
        tap({
          error: (error: unknown) => {
            scope.failure = error;
          },
        }),
      );
  }

  /** The route pattern: Express's matched route, Fastify's route URL, else Nest's metadata. */
  private routeOf(request: unknown, context: ExecutionContext): string | undefined {
    const r = request as { route?: { path?: unknown }; routeOptions?: { url?: unknown } } | undefined;
    if (typeof r?.route?.path === 'string') return r.route.path;
    if (typeof r?.routeOptions?.url === 'string') return r.routeOptions.url;
    const parts = [context.getClass(), context.getHandler()]
      .map((target) => this.reflector.get<unknown>(PATH_METADATA, target))
      .filter((part): part is string => typeof part === 'string')
      .map((part) => part.replace(/^\/+|\/+$/g, ''))
      .filter((part) => part !== '');
    return parts.length === 0 ? undefined : `/${parts.join('/')}`;
  }
}
