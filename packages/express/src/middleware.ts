import { context as otelContext, propagation } from '@opentelemetry/api';
import { type ClientOptions, createClient, isConfigError, type ServiceClient } from '@switchyard/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { booleanOption, ConfigError, functionOption, objectOption } from './errors.js';
import { defaultRoute, type RouteResolver } from './httpRoute.js';
import { RequestContext } from './RequestContext.js';
import { ServerTelemetry, type ServerTelemetryOptions } from './ServerTelemetry.js';

interface CommonOptions {
  /**
   * Server telemetry: a SERVER span per request and `http.server.request.duration`.
   * Default `{}` (global providers, `httpInstrumentation: 'auto'`). `false` turns both off;
   * downstream calls still continue the incoming `traceparent`.
   */
  readonly telemetry?: ServerTelemetryOptions | false;
  /** Abort a request's downstream calls when its client disconnects first. Default true. */
  readonly abortOnDisconnect?: boolean;
  /** `http.route` of a request. Default: `req.baseUrl` + the matched route's path. */
  readonly route?: RouteResolver;
}

/** `switchyard()` options: a client to share, or options for one the middleware owns. */
export type SwitchyardOptions = CommonOptions &
  (
    | { readonly client: ServiceClient; readonly clientOptions?: undefined }
    | { readonly clientOptions: ClientOptions; readonly client?: undefined }
  );

/** The middleware, with the client it uses. */
export interface SwitchyardMiddleware extends RequestHandler {
  readonly client: ServiceClient;
  /** Closes the client if the middleware created it (`clientOptions`); a shared client is left alone. */
  close(): Promise<void>;
}

/**
 * Express middleware that puts `req.switchyard` on every request: `fetch` and `call`
 * bound to the request (its trace context, aborted when the client disconnects), and
 * records the request's SERVER span and `http.server.request.duration`.
 */
export function switchyard(options: SwitchyardOptions): SwitchyardMiddleware {
  objectOption('options', options);
  const telemetry = options.telemetry === false ? undefined : new ServerTelemetry(options.telemetry ?? {});
  const abortOnDisconnect =
    options.abortOnDisconnect === undefined ? true : booleanOption('abortOnDisconnect', options.abortOnDisconnect);
  if (options.route !== undefined) functionOption('route', options.route);
  const route = options.route ?? defaultRoute;
  const watchClose = telemetry !== undefined || abortOnDisconnect;
  // Last, so a bad option above never leaves a client behind.
  const { client, owned } = clientFrom(options);

  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    // Mounted twice (or in a sub-app): the first one owns the request.
    if ((req as { switchyard?: unknown }).switchyard !== undefined) {
      next();
      return;
    }
    const ctx = new RequestContext(client, req, route, abortOnDisconnect);
    if (telemetry === undefined) ctx.context = propagation.extract(otelContext.active(), req.headers);
    else telemetry.start(ctx);
    req.switchyard = ctx;
    // 'close' comes after 'finish' for a finished response, alone when the client went away first.
    if (watchClose) {
      res.on('close', () => {
        if (!res.writableFinished) ctx.disconnect();
        telemetry?.end(res, ctx);
      });
    }
    otelContext.with(ctx.context, next);
  };

  let closed = false;
  return Object.assign(middleware, {
    client,
    async close(): Promise<void> {
      if (!owned || closed) return;
      closed = true;
      await client.close();
    },
  });
}

function clientFrom(options: SwitchyardOptions): { client: ServiceClient; owned: boolean } {
  const { client, clientOptions } = options as { client?: unknown; clientOptions?: unknown };
  if (client !== undefined && clientOptions !== undefined) {
    throw new ConfigError('client', 'either client or clientOptions, not both', 'both');
  }
  if (client !== undefined) {
    const c = client as Partial<ServiceClient> | null;
    if (typeof c !== 'object' || c === null || typeof c.fetch !== 'function' || typeof c.call !== 'function') {
      throw new ConfigError('client', 'a ServiceClient (from createClient)', client);
    }
    return { client: client as ServiceClient, owned: false };
  }
  if (clientOptions === undefined) {
    throw new ConfigError('client', 'a ServiceClient, or clientOptions to create one', undefined);
  }
  objectOption('clientOptions', clientOptions);
  try {
    return { client: createClient(clientOptions as ClientOptions), owned: true };
  } catch (error) {
    // Name the option as the caller wrote it: `clientOptions.registry`, not `registry`.
    if (isConfigError(error)) {
      throw new ConfigError(`clientOptions.${error.option}`, error.allowed, error.received, { cause: error });
    }
    throw error;
  }
}
