import { type Context, context as otelContext, ROOT_CONTEXT } from '@opentelemetry/api';
import {
  anySignal,
  type CallAttempt,
  type CallRequestOptions,
  type FetchRequestInit,
  type HttpServerRequestHandle,
  type Instance,
  type LinkedSignal,
  type ServiceClient,
} from '@switchyard/core';
import type { Request } from 'express';
import type { RouteResolver } from './httpRoute.js';
import type { SwitchyardRequestContext } from './SwitchyardRequestContext.js';
import { markUpstreamFailure } from './upstreamFailure.js';

/** Why downstream calls of a request are aborted: its client went away. */
function disconnectReason(): DOMException {
  return new DOMException('The client closed the connection before the response was finished', 'AbortError');
}

/** A signal that never aborts, for `abortOnDisconnect: false`. */
const NEVER = new AbortController().signal;

/**
 * `req.switchyard`: one per request, holding its trace state too (the request's telemetry
 * handle, which keeps what it read at the start). The abort controller is created on first use only.
 */
export class RequestContext implements SwitchyardRequestContext {
  context: Context = ROOT_CONTEXT;
  /** The request's server telemetry, unless `telemetry: false`. */
  telemetry: HttpServerRequestHandle | undefined = undefined;
  /** The error `switchyardErrorHandler` answered for, for `error.type` and the span. */
  failure: unknown = undefined;
  /** The client disconnected before the response was finished. */
  disconnected = false;
  private controller: AbortController | undefined = undefined;
  private routeSource: unknown = undefined;
  private routeValue: string | undefined = undefined;

  constructor(
    readonly client: ServiceClient,
    readonly req: Request,
    private readonly resolveRoute: RouteResolver,
    private readonly abortOnDisconnect: boolean,
  ) {}

  get signal(): AbortSignal {
    if (!this.abortOnDisconnect) return NEVER;
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.disconnected) this.controller.abort(disconnectReason());
    }
    return this.controller.signal;
  }

  fetch(service: string, path: string, init: FetchRequestInit = {}): Promise<Response> {
    return this.bound(init, (request) => this.client.fetch(service, path, request));
  }

  call<T>(
    service: string,
    fn: (instance: Instance, attempt: CallAttempt) => Promise<T>,
    options: CallRequestOptions = {},
  ): Promise<T> {
    return this.bound(options, (callOptions) => this.client.call(service, fn, callOptions));
  }

  /** The client went away: abort every downstream call of this request. */
  disconnect(): void {
    if (this.disconnected) return;
    this.disconnected = true;
    this.controller?.abort(disconnectReason());
  }

  /**
   * The route as seen from inside the handler. Captured on every call because Express
   * restores `req.baseUrl` when an error leaves a router, so by the time an app-level
   * error handler or the response's end runs, the mount prefix may be gone.
   */
  noteRoute(): void {
    const source = (this.req as { route?: unknown }).route;
    if (source === undefined || source === this.routeSource) return;
    this.routeSource = source;
    this.routeValue = this.resolveRoute(this.req);
  }

  /**
   * Runs a client call in this request's trace context, its signal linked with the
   * disconnect signal (unless `abortOnDisconnect` is off), its failure tagged as upstream.
   */
  private bound<O extends { readonly signal?: AbortSignal | null | undefined }, T>(
    options: O,
    send: (options: O) => Promise<T>,
  ): Promise<T> {
    this.noteRoute();
    let linked: LinkedSignal | undefined;
    let sent = options;
    if (this.abortOnDisconnect) {
      linked = options.signal ? anySignal(options.signal, this.signal) : undefined;
      sent = { ...options, signal: linked?.signal ?? this.signal };
    }
    return settle(
      otelContext.with(this.context, () => send(sent)),
      linked,
    );
  }

  /** The route to report: captured inside the handler if the same route still matched, else resolved now. */
  route(): string | undefined {
    const source = (this.req as { route?: unknown }).route;
    if (source !== undefined && source === this.routeSource) return this.routeValue;
    return this.resolveRoute(this.req);
  }
}

/** Tags failures as upstream ones and unlinks the combined signal once the call settles. */
function settle<T>(promise: Promise<T>, linked: { dispose(): void } | undefined): Promise<T> {
  return promise.then(
    (value) => {
      linked?.dispose();
      return value;
    },
    (error: unknown) => {
      linked?.dispose();
      markUpstreamFailure(error);
      throw error;
    },
  );
}
