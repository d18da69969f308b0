import { httpStatusOf, isHttpStatusError, type SwitchyardError } from '@switchyard/core';

/** The HTTP answer for a Switchyard error that reached the edge of a request. */
export interface SwitchyardHttpError {
  readonly status: number;
  /** `Retry-After` in whole seconds (>= 1), when the error says when to come back. */
  readonly retryAfterSeconds: number | undefined;
  /** Sent as `application/problem+json`. */
  readonly body: { readonly error: string; readonly message: string };
}

/**
 * Maps a Switchyard error to core's `httpStatusOf` status (503, with `Retry-After` for an
 * open breaker; 504; 502), or 500 for a bad option (a bug here, not upstream). Messages
 * that could carry internal addresses (an upstream's URL) or option names are replaced by
 * generic ones.
 */
export function mapSwitchyardError(error: SwitchyardError): SwitchyardHttpError {
  const answer = httpStatusOf(error);
  if (answer === undefined) {
    return { status: 500, retryAfterSeconds: undefined, body: { error: error.code, message: 'Internal server error' } };
  }
  let message = error.message;
  if (error.code === 'SWITCHYARD_HTTP_STATUS') {
    message = isHttpStatusError(error) ? `Upstream answered HTTP ${error.status}` : 'Upstream failed';
  }
  return { ...answer, body: { error: error.code, message } };
}
