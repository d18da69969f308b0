import type { SwitchyardError, SwitchyardErrorCode } from '../errors/SwitchyardError.js';

/** How a server answers a request that failed with a Switchyard error. */
export interface HttpErrorStatus {
  /**
   * 503: the dependency is unavailable right now; 504: it took too long; 502: it failed
   * otherwise; 500: a `ConfigError`, a bug in this service rather than an upstream failure.
   */
  readonly status: 500 | 502 | 503 | 504;
  /** `Retry-After` in whole seconds (at least 1) when the error says when to come back: only an open breaker does. */
  readonly retryAfterSeconds: number | undefined;
}

/** Codes that mean "unavailable right now": open or isolated breaker, full bulkhead, no instances, registry down. */
const UNAVAILABLE: ReadonlySet<SwitchyardErrorCode> = new Set<SwitchyardErrorCode>([
  'SWITCHYARD_BROKEN_CIRCUIT',
  'SWITCHYARD_ISOLATED_CIRCUIT',
  'SWITCHYARD_BULKHEAD_REJECTED',
  'SWITCHYARD_NO_INSTANCES',
  'SWITCHYARD_REGISTRY',
]);

/**
 * The status both adapters answer `error` with (the problem mapper adds headers and the
 * body): 503 when the dependency is unavailable right now, with `Retry-After` for an open
 * breaker (its `retryAfterMs` rounded up, at least 1 s); 504 for a timeout; 500 for a
 * `ConfigError`; 502 for any other code, known or new.
 */
export function httpStatusOf(error: SwitchyardError): HttpErrorStatus {
  const code = error.code;
  if (code === 'SWITCHYARD_CONFIG') return { status: 500, retryAfterSeconds: undefined };
  if (code === 'SWITCHYARD_BROKEN_CIRCUIT') {
    const ms = (error as { retryAfterMs?: unknown }).retryAfterMs;
    const finite = typeof ms === 'number' && Number.isFinite(ms) ? ms : 0;
    return { status: 503, retryAfterSeconds: Math.max(1, Math.ceil(finite / 1000)) };
  }
  if (UNAVAILABLE.has(code)) return { status: 503, retryAfterSeconds: undefined };
  return { status: code === 'SWITCHYARD_TIMEOUT' ? 504 : 502, retryAfterSeconds: undefined };
}
