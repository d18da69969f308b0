import type { ServerResponse } from 'node:http';
import { type Context, context as otelContext } from '@opentelemetry/api';
import type { CallRequestOptions, FetchRequestInit } from '../client/ClientOptions.js';
import type { ServiceClient } from '../client/ServiceClient.js';
import { anySignal, type LinkedSignal } from '../policy/anySignal.js';
import type { AttemptContext } from '../policy/Policy.js';
import type { Instance } from '../registry/Instance.js';
import type { HttpServerRequestHandle } from './HttpServerRequestHandle.js';
import { type ProblemOptions, switchyardProblem } from './problem.js';
import type { ServerRequestContext } from './ServerRequestContext.js';
import { writeProblem } from './writeProblem.js';

/** `http.response.status_code` recorded for a client that went away before a response head was sent (nginx's "client closed request"). */
export const CLIENT_CLOSED_REQUEST = 499;

/** An adapter's settings for its requests' calls, shared by all of them. */
export interface ScopeSettings {
  readonly client?: ServiceClient | undefined;
  readonly abortOnDisconnect: boolean;
  /** Runs before every bound call (Express notes the route then). */
  readonly beforeCall?: ((request: unknown) => void) | undefined;
}

/** A signal that never aborts, for `abortOnDisconnect: false`. */
const NEVER = new AbortController().signal;

/** Where a response keeps its scope: a property, not a WeakMap, whose ephemerons cost the GC per request. */
const SCOPE = Symbol('switchyard.requestScope');

type ScopedResponse = ServerResponse & { [SCOPE]?: ServerRequestScope };

function disconnectReason(): DOMException {
  return new DOMException('The client closed the connection before the response was finished', 'AbortError');
}

/**
 * One server request as both adapters see it: the context its handler runs in, calls bound
 * to it (aborted when the client goes away), what it failed with, and its telemetry, ended
 * when the response closes. A client gone before a response head was sent is recorded as
 * 499 with `switchyard.request.aborted`; a head already sent keeps its status.
 */
export class ServerRequestScope implements ServerRequestContext {
  /** What the request failed with, for `error.type` and the span's exception event. */
  failure: unknown = undefined;
  /** The client went away before the response was finished. */
  disconnected = false;
  private controller: AbortController | undefined;

  /** The scope of a response, if an adapter started one for it. */
  static of(res: ServerResponse): ServerRequestScope | undefined {
    return (res as ScopedResponse)[SCOPE];
  }

  constructor(
    private readonly request: unknown,
    readonly res: ServerResponse,
    readonly context: Context,
    private readonly telemetry: HttpServerRequestHandle | undefined,
    private readonly calls: ScopeSettings,
  ) {
    (res as ScopedResponse)[SCOPE] = this;
    // 'close' follows 'finish' for a finished response; alone, it means the client went away first.
    // A response emits it once: `on` spares `once`'s wrapper and its removal per request.
    res.on('close', () => {
      if (!res.writableFinished) this.disconnect();
      const statusCode = this.disconnected && !res.headersSent ? CLIENT_CLOSED_REQUEST : res.statusCode;
      this.telemetry?.end({ statusCode, error: this.failure, aborted: this.disconnected });
    });
  }

  get client(): ServiceClient {
    const client = this.calls.client;
    if (client === undefined) throw new TypeError('This server request has no Switchyard client');
    return client;
  }

  get signal(): AbortSignal {
    if (!this.calls.abortOnDisconnect) return NEVER;
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
    fn: (instance: Instance, attempt: AttemptContext) => Promise<T>,
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
   * Records `error` as the request's failure and answers it with the problem mapper when it
   * is one it maps (true); false leaves it to the framework (not mapped, or the response
   * already started). To a client that went away nothing is written.
   */
  answer(error: unknown, options: ProblemOptions = {}): boolean {
    // The request failed with it, whoever answers.
    this.failure = error;
    const problem = switchyardProblem(error, options);
    if (problem === undefined) return false;
    if (this.disconnected || this.res.destroyed) {
      this.res.end();
      return true;
    }
    if (this.res.headersSent) return false;
    writeProblem(this.res, problem);
    return true;
  }

  /** Runs a client call in this request's context, its signal linked with the disconnect signal. */
  private bound<O extends { readonly signal?: AbortSignal | null | undefined }, T>(
    options: O,
    send: (options: O) => Promise<T>,
  ): Promise<T> {
    this.calls.beforeCall?.(this.request);
    let linked: LinkedSignal | undefined;
    let sent = options;
    if (this.calls.abortOnDisconnect) {
      linked = options.signal ? anySignal(options.signal, this.signal) : undefined;
      sent = { ...options, signal: linked?.signal ?? this.signal };
    }
    const promise = otelContext.with(this.context, () => send(sent));
    if (linked === undefined) return promise;
    return promise.finally(() => linked.dispose());
  }
}
