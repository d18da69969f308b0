import { errorText } from '../../errors/safeRead.js';
/**
 * One failed request to the Consul agent, described without anything secret: the
 * method and path (no query string), the status or network code, and Consul's own error
 * text (scrubbed of the ACL token). It deliberately keeps no `cause`: the HTTP client's
 * errors hold the request, and the request holds the `X-Consul-Token` header.
 *
 * `code` is what telemetry reports as `error.type`: the HTTP status (`'500'`), a system
 * code (`'ECONNREFUSED'`), `'invalid_response'` for an answer that is not what Consul
 * sends (bad JSON, no `X-Consul-Index`), or `'timeout'` (then `name` is `TimeoutError`).
 */
export class ConsulRequestError extends Error {
  readonly code: string;
  /** The HTTP status when the agent answered. */
  readonly status: number | undefined;

  constructor(operation: string, code: string, detail: string, status?: number) {
    super(`${operation}: ${detail}`);
    this.name = code === 'timeout' ? 'TimeoutError' : 'ConsulRequestError';
    this.code = code;
    this.status = status;
  }
}

/** `error` as is when it is a ConsulRequestError, else wrapped as an `internal` one (its message only, no `cause`). */
export function toConsulRequestError(operation: string, error: unknown): ConsulRequestError {
  return error instanceof ConsulRequestError ? error : new ConsulRequestError(operation, 'internal', errorText(error));
}
