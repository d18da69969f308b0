import type { ServerResponse } from 'node:http';
import { context as otelContext, propagation } from '@opentelemetry/api';
import type { ServiceClient } from '../client/ServiceClient.js';
import type { HttpServerRequestGetter } from './HttpServerRequestGetter.js';
import { type HttpServerScope, HttpServerTelemetry, type HttpServerTelemetryOptions } from './HttpServerTelemetry.js';
import { type ScopeSettings, ServerRequestScope } from './ServerRequestScope.js';
import { TelemetryGuard } from './TelemetryGuard.js';

export interface ServerRequestsOptions<R> {
  /** The adapter's instrumentation scope. */
  readonly scope: HttpServerScope;
  /** Server telemetry options, or `false` for no span or metric (the trace is still continued). */
  readonly telemetry?: HttpServerTelemetryOptions | false | undefined;
  /** How the adapter's requests are read. */
  readonly getter: HttpServerRequestGetter<R>;
  /** The client `fetch`/`call` of each request use. */
  readonly client?: ServiceClient | undefined;
  /** Abort a request's calls when its client goes away first. Default true. */
  readonly abortOnDisconnect?: boolean | undefined;
  /** Runs before every call bound to a request (Express notes the route then). */
  readonly beforeCall?: ((request: R) => void) | undefined;
}

/**
 * What an adapter creates once and calls per request: starts the request's telemetry and
 * scope (`ServerRequestScope`); the adapter runs the handler in `scope.context`.
 */
export class ServerRequests<R> {
  private readonly telemetry: HttpServerTelemetry | undefined;
  /** Shared by every request's scope, so a request allocates no settings of its own. */
  private readonly calls: ScopeSettings;
  private readonly guard = new TelemetryGuard('trace context extraction');

  /** Bad telemetry options throw a ConfigError (`telemetry.*`). */
  constructor(private readonly options: ServerRequestsOptions<R>) {
    // Only a missing option is the default: `null` goes on to be refused as what it is.
    const telemetry = options.telemetry;
    this.telemetry =
      telemetry === false
        ? undefined
        : new HttpServerTelemetry(options.scope, telemetry === undefined ? {} : telemetry);
    const beforeCall = options.beforeCall as ((request: unknown) => void) | undefined;
    this.calls = { client: options.client, abortOnDisconnect: options.abortOnDisconnect ?? true, beforeCall };
  }

  /** Starts `request`, answered on `res`; `route` when already known. */
  start(request: R, res: ServerResponse, route?: string): ServerRequestScope {
    const handle = this.telemetry?.start(request, this.options.getter, route);
    const active = otelContext.active();
    const context =
      handle?.context ??
      this.guard.run(
        () => propagation.extract(active, this.options.getter.headers(request)),
        () => active,
      );
    return new ServerRequestScope(request, res, context, handle, this.calls);
  }
}
