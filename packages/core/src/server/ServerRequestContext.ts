import type { Context } from '@opentelemetry/api';
import type { CallRequestOptions, FetchRequestInit } from '../client/ClientOptions.js';
import type { ServiceClient } from '../client/ServiceClient.js';
import type { AttemptContext } from '../policy/Policy.js';
import type { Instance } from '../registry/Instance.js';

/**
 * A server request's view of the client: `fetch` and `call` bound to the request. They run
 * in the request's trace context (its SERVER span, or the incoming `traceparent`) and are
 * aborted when the client disconnects before the response is finished.
 */
export interface ServerRequestContext {
  /** The client (shared by every request). */
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
    fn: (instance: Instance, attempt: AttemptContext) => Promise<T>,
    options?: CallRequestOptions,
  ): Promise<T>;
}
