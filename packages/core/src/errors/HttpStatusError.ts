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
  readonly response: Response;

  constructor(response: Response, retryAfterMs: number | undefined) {
    super('SWITCHYARD_HTTP_STATUS', `HTTP ${response.status} from ${response.url || 'upstream'}`);
    this.status = response.status;
    this.retryAfterMs = retryAfterMs;
    this.response = response;
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
