import { hasErrorCode } from '../errors/SwitchyardError.js';
import { isAbortError } from './isAbortError.js';
import { networkErrorCode } from './networkErrorCode.js';

/** Network failures worth another try (possibly on another instance). */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Statuses that say "not now" rather than "never": overload and gateway failures. */
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);

/**
 * The default retry and hedge predicate. True for: a network error (an errno / undici
 * code on the error or its `cause` chain, or undici's bare `TypeError('fetch failed')`),
 * a Switchyard `TimeoutError`, an open or isolated circuit (another instance may work),
 * and any error carrying a numeric `status` of 429, 502, 503 or 504. False for aborts.
 */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || isAbortError(error)) return false;
  if (
    hasErrorCode(error, 'SWITCHYARD_TIMEOUT') ||
    hasErrorCode(error, 'SWITCHYARD_BROKEN_CIRCUIT') ||
    hasErrorCode(error, 'SWITCHYARD_ISOLATED_CIRCUIT')
  ) {
    return true;
  }
  const { status } = error as { status?: unknown };
  if (typeof status === 'number') return TRANSIENT_STATUSES.has(status);
  const code = networkErrorCode(error);
  if (code !== undefined) return TRANSIENT_CODES.has(code);
  return error instanceof TypeError && error.message === 'fetch failed';
}
