import type { ServiceResponse } from '../client/ServiceResponse.js';
import { redactUrl } from '../common/redact.js';
import { brandedInstanceOf, hasErrorCode, SwitchyardError } from './SwitchyardError.js';

/**
 * An attempt got an HTTP status that counts as a failure (5xx by default, 429).
 * Used inside the client so breakers and retries see it; `client.fetch` still
 * resolves with the last response when every attempt failed this way, as fetch does.
 */
export class HttpStatusError extends SwitchyardError {
  readonly status: number;
  /** From the response's `Retry-After` header, when it had one. */
  readonly retryAfterMs: number | undefined;
  /** The answer: a fetch `Response` from `client.fetch`, a `ServiceResponse` from `client.request`. */
  declare readonly response: Response | ServiceResponse;

  constructor(response: Response | ServiceResponse, retryAfterMs: number | undefined) {
    // The URL without credentials or secret query values: the message reaches logs and spans.
    super(
      'SWITCHYARD_HTTP_STATUS',
      `HTTP ${response.status} from ${response.url ? redactUrl(response.url) : 'upstream'}`,
    );
    this.status = response.status;
    this.retryAfterMs = retryAfterMs;
    // Not enumerable: a logged or inspected error must not dump the response (its URL with
    // the query, its headers); reading `error.response` works as before.
    Object.defineProperty(this, 'response', { value: response, enumerable: false, writable: false });
  }

  /** By brand and code, so an error from another copy of the package matches too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asked about, a subclass's too
    return brandedInstanceOf(this, HttpStatusError, 'SWITCHYARD_HTTP_STATUS', value);
  }
}

/** Same as `value instanceof HttpStatusError`. */
export function isHttpStatusError(value: unknown): value is HttpStatusError {
  return hasErrorCode(value, 'SWITCHYARD_HTTP_STATUS');
}
