import { isBrokenCircuitError, isHttpStatusError, type SwitchyardError } from '@switchyard/core';

/** The HTTP answer for a Switchyard error that reached the edge of a request. */
export interface SwitchyardHttpError {
  readonly status: number;
  /** `Retry-After` in whole seconds (>= 1), when the error says when to come back. */
  readonly retryAfterSeconds: number | undefined;
  /** Sent as `application/problem+json`. */
  readonly body: { readonly error: string; readonly message: string };
}

/**
 * Maps a Switchyard error to a status: the dependency is unavailable right now (open or
 * isolated breaker, full bulkhead, no instances, registry down, retry budget spent) → 503;
 * it took too long → 504; it failed otherwise → 502; a bad option → 500 (a bug here, not
 * upstream). Only an open breaker knows when to come back, so only it sets `Retry-After`.
 * Messages that could carry internal addresses (an upstream's URL) or option names are
 * replaced by generic ones.
 */
export function mapSwitchyardError(error: SwitchyardError): SwitchyardHttpError {
  const body = { error: error.code, message: error.message };
  switch (error.code) {
    case 'SWITCHYARD_BROKEN_CIRCUIT': {
      const ms = isBrokenCircuitError(error) ? error.retryAfterMs : 0;
      return { status: 503, retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)), body };
    }
    case 'SWITCHYARD_ISOLATED_CIRCUIT':
    case 'SWITCHYARD_BULKHEAD_REJECTED':
    case 'SWITCHYARD_NO_INSTANCES':
    case 'SWITCHYARD_REGISTRY':
    case 'SWITCHYARD_RETRY_BUDGET_EXHAUSTED':
      return { status: 503, retryAfterSeconds: undefined, body };
    case 'SWITCHYARD_TIMEOUT':
      return { status: 504, retryAfterSeconds: undefined, body };
    case 'SWITCHYARD_CONFIG':
      return {
        status: 500,
        retryAfterSeconds: undefined,
        body: { error: error.code, message: 'Internal server error' },
      };
    case 'SWITCHYARD_HTTP_STATUS': {
      const message = isHttpStatusError(error) ? `Upstream answered HTTP ${error.status}` : 'Upstream failed';
      return { status: 502, retryAfterSeconds: undefined, body: { error: error.code, message } };
    }
    default:
      return { status: 502, retryAfterSeconds: undefined, body };
  }
}
