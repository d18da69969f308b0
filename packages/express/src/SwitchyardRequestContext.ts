import type { Context } from '@opentelemetry/api';
import type { CallAttempt, CallRequestOptions, FetchRequestInit, Instance, ServiceClient } from '@switchyard/core';

/**
 * What `switchyard()` puts on `req.switchyard`: the client's calls bound to this request.
 * They run in the request's trace context (the server span, or the incoming `traceparent`)
 * and are aborted when the client disconnects before the response is finished.
 */
export interface SwitchyardRequestContext {
  /** The client the middleware uses (shared by every request). */
  readonly client: ServiceClient;
  /** The OpenTelemetry context downstream calls run in. */
  readonly context: Context;
  /** Aborts when the client disconnects before the response finished (never, with `abortOnDisconnect: false`). */
  readonly signal: AbortSignal;
  /** `client.fetch` in this request's trace context, aborted on disconnect (and on `init.signal`). */
  fetch(service: string, path: string, init?: FetchRequestInit): Promise<Response>;
  /** `client.call` in this request's trace context, aborted on disconnect (and on `options.signal`). */
  call<T>(
    service: string,
    fn: (instance: Instance, attempt: CallAttempt) => Promise<T>,
    options?: CallRequestOptions,
  ): Promise<T>;
}

declare global {
  namespace Express {
    interface Request {
      /** Set by `switchyard()` from `@switchyard/express`; undefined on requests it did not see. */
      switchyard: SwitchyardRequestContext;
    }
  }
}
