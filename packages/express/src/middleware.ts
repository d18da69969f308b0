import { context as otelContext } from '@opentelemetry/api';
import { type ClientOptions, ConfigError, createClient, type ServiceClient } from '@switchyard/core';
import {
  booleanOption,
  functionOption,
  type HttpServerRequestGetter,
  type HttpServerTelemetryOptions,
  isServiceClient,
  knownKeys,
  plainObject,
  ServerRequests,
} from '@switchyard/core/server';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { defaultRoute, RouteMemo, type RouteResolver } from './httpRoute.js';
import { exposeScope } from './requestSlot.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';

/**
 * `switchyard({ telemetry })`: core's server telemetry options (providers, `httpInstrumentation`,
 * `knownHttpMethods`).
 */
export type ServerTelemetryOptions = Omit<HttpServerTelemetryOptions, 'clock'>;

interface CommonOptions {
  /** SERVER span and `http.server.request.duration` per request; `false` for neither (the trace still continues). */
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

const OPTION_KEYS = ['client', 'clientOptions', 'telemetry', 'abortOnDisconnect', 'route'];

/**
 * Express middleware over core's server layer: puts `req.switchyard` (calls bound to the
 * request) on every request and records its SERVER span and `http.server.request.duration`.
 */
export function switchyard(options: SwitchyardOptions): SwitchyardMiddleware {
  knownKeys('', plainObject('options', options), OPTION_KEYS);
  if (options.abortOnDisconnect !== undefined) booleanOption('abortOnDisconnect', options.abortOnDisconnect);
  if (options.route !== undefined) functionOption('route', options.route);
  const routes = new RouteMemo(options.route ?? defaultRoute);
  // `req.protocol` and `req.ip` honour `trust proxy`; the route is read at the end, once Express has routed.
  const getter: HttpServerRequestGetter<Request> = {
    method: (req) => req.method,
    scheme: (req) => req.protocol,
    target: (req) => req.originalUrl,
    headers: (req) => req.headers,
    httpVersion: (req) => req.httpVersion,
    clientAddress: (req) => req.ip ?? req.socket.remoteAddress,
    route: (req) => routes.routeOf(req),
  };
  const telemetryOptions = options.telemetry;
  const settings = { scope: { name: INSTRUMENTATION_SCOPE, version: INSTRUMENTATION_VERSION }, getter };
  // Checked before the client is created, so a bad option never leaves a client behind.
  new ServerRequests({ ...settings, telemetry: telemetryOptions });
  const { client, owned } = clientFrom(options);
  const requests = new ServerRequests({
    ...settings,
    telemetry: telemetryOptions,
    client,
    abortOnDisconnect: options.abortOnDisconnect,
    beforeCall: (req) => routes.note(req),
  });

  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    // Mounted twice (or in a sub-app): the first one owns the request.
    if ((req as { switchyard?: unknown }).switchyard !== undefined) {
      next();
      return;
    }
    const scope = requests.start(req, res);
    exposeScope(req, res, scope);
    otelContext.with(scope.context, next);
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
    if (!isServiceClient(client)) throw new ConfigError('client', 'a ServiceClient (from createClient)', client);
    return { client, owned: false };
  }
  if (clientOptions === undefined) {
    throw new ConfigError('client', 'a ServiceClient, or clientOptions to create one', undefined);
  }
  plainObject('clientOptions', clientOptions);
  try {
    return { client: createClient(clientOptions as ClientOptions), owned: true };
  } catch (error) {
    // Name the option as the caller wrote it: `clientOptions.registry`, not `registry`.
    if (error instanceof ConfigError) {
      throw new ConfigError(`clientOptions.${error.option}`, error.allowed, error.received, { cause: error });
    }
    throw error;
  }
}
