import type { ServerResponse } from 'node:http';
import { context as otelContext, propagation } from '@opentelemetry/api';
import type { ServiceClient } from '../client/ServiceClient.js';
import type { HttpServerRequestGetter } from './HttpServerRequestGetter.js';
import { type HttpServerScope, HttpServerTelemetry, type HttpServerTelemetryOptions } from './HttpServerTelemetry.js';
import { ServerRequestScope } from './ServerRequestScope.js';
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
}

/**
 * What an adapter creates once and calls per request: starts the request's telemetry and
 * scope (`ServerRequestScope`); the adapter runs the handler in `scope.context`.
 */
export class ServerRequests<R> {
  private readonly telemetry: HttpServerTelemetry | undefined;
  private readonly abortOnDisconnect: boolean;
  private readonly guard = new TelemetryGuard('trace context extraction');

  /** Bad telemetry options throw a ConfigError (`telemetry.*`). */
  constructor(private readonly options: ServerRequestsOptions<R>) {
    this.telemetry =
      options.telemetry === false ? undefined : new HttpServerTelemetry(options.scope, options.telemetry ?? {});
    this.abortOnDisconnect = options.abortOnDisconnect ?? true;
  }

  /** Starts `request`, answered on `res`; `route` when already known, `beforeCall` before every bound call. */
  start(
    request: R,
    res: ServerResponse,
    extras: { readonly route?: string | undefined; readonly beforeCall?: () => void } = {},
  ): ServerRequestScope {
    const handle = this.telemetry?.start(request, this.options.getter, extras.route);
    const active = otelContext.active();
    const context =
      handle?.context ??
      this.guard.run(
        () => propagation.extract(active, this.options.getter.headers(request)),
        () => active,
      );
    return new ServerRequestScope(res, context, handle, {
      client: this.options.client,
      abortOnDisconnect: this.abortOnDisconnect,
      beforeCall: extras.beforeCall,
    });
  }
}
