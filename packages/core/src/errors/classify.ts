// What kind of failure an unknown error is. Every read goes through safeRead and the
// one cause-walker, so none of these functions throws, whatever it is given.
import { findInCauseChain } from './causeChain.js';
import { switchyardCodeOf } from './SwitchyardError.js';
import { isInstanceOf, readProperty } from './safeRead.js';

/** Network failures worth another try (possibly on another instance). */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
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

/** Failures before a connection existed: the server cannot have seen the request. */
const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Statuses that say "not now" rather than "never": overload and gateway failures. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * The first system or undici error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...) on the
 * error or along its `cause` chain: undici's `fetch` rejects with
 * `TypeError('fetch failed')` whose `cause` carries the code.
 */
export function networkErrorCode(error: unknown): string | undefined {
  return findInCauseChain(error, (link) => {
    const code = readProperty(link, 'code');
    return typeof code === 'string' && (code.startsWith('E') || code.startsWith('UND_ERR_')) ? code : undefined;
  });
}

/**
 * A cancellation rather than a failure: a DOMException `AbortError` (what
 * `AbortController.abort()` and `fetch` reject with) or Node's `ABORT_ERR`. A timeout
 * is not an abort error.
 */
export function isAbortError(error: unknown): boolean {
  return readProperty(error, 'name') === 'AbortError' || readProperty(error, 'code') === 'ABORT_ERR';
}

/** A deadline: Switchyard's `TimeoutError`, or the DOMException `TimeoutError` of `AbortSignal.timeout()`. */
export function isDeadline(reason: unknown): boolean {
  return switchyardCodeOf(reason) === 'SWITCHYARD_TIMEOUT' || readProperty(reason, 'name') === 'TimeoutError';
}

/**
 * True when `signal` was aborted by the caller giving up, which says nothing about the
 * dependency's health. An abort whose reason is a deadline (`isDeadline`) is different:
 * the dependency was too slow, and that counts.
 */
export function isCallerAbort(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && !isDeadline(signal.reason);
}

/**
 * The default retry and hedge predicate. True for: a network error (an errno / undici
 * code on the error or its `cause` chain, or undici's bare `TypeError('fetch failed')`),
 * a Switchyard `TimeoutError`, an open or isolated circuit (another instance may work),
 * and any error carrying a numeric `status` of 429, 502, 503 or 504. False for aborts.
 */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || isAbortError(error)) return false;
  const switchyardCode = switchyardCodeOf(error);
  if (
    switchyardCode === 'SWITCHYARD_TIMEOUT' ||
    switchyardCode === 'SWITCHYARD_BROKEN_CIRCUIT' ||
    switchyardCode === 'SWITCHYARD_ISOLATED_CIRCUIT'
  ) {
    return true;
  }
  const status = readProperty(error, 'status');
  if (typeof status === 'number') return TRANSIENT_STATUSES.has(status);
  const code = networkErrorCode(error);
  if (code !== undefined) return TRANSIENT_CODES.has(code);
  return switchyardCode === 'SWITCHYARD_CONNECTION' || isBareFetchFailure(error);
}

/**
 * A request that got no response from the network: an error carrying a system or undici
 * code (on it or its `cause` chain), or undici's bare `TypeError('fetch failed')`.
 */
export function isFetchFailure(error: unknown): boolean {
  return networkErrorCode(error) !== undefined || isBareFetchFailure(error);
}

function isBareFetchFailure(error: unknown): boolean {
  return isInstanceOf(error, TypeError) && readProperty(error, 'message') === 'fetch failed';
}

/**
 * True when the error proves the request never reached the server: an open or isolated
 * breaker or a full bulkhead refused it, or the connection could not be made. Such a
 * call is safe to retry even when it is not idempotent (Finagle's "requeue", gRPC's
 * transparent retry). `ECONNRESET` and timeouts are not: the server may have acted.
 */
export function isUnsentError(error: unknown): boolean {
  const switchyardCode = switchyardCodeOf(error);
  if (
    switchyardCode === 'SWITCHYARD_BROKEN_CIRCUIT' ||
    switchyardCode === 'SWITCHYARD_ISOLATED_CIRCUIT' ||
    switchyardCode === 'SWITCHYARD_BULKHEAD_REJECTED'
  ) {
    return true;
  }
  const code = networkErrorCode(error);
  return code !== undefined && CONNECT_CODES.has(code);
}

/**
 * A server's `Retry-After` in ms, duck-typed: errors such as `HttpStatusError` carry
 * `retryAfterMs`. An open breaker's is left out: it speaks for one instance, and a
 * retry goes to another.
 */
export function serverRetryAfterMs(error: unknown): number | undefined {
  const switchyardCode = switchyardCodeOf(error);
  if (switchyardCode === 'SWITCHYARD_BROKEN_CIRCUIT' || switchyardCode === 'SWITCHYARD_ISOLATED_CIRCUIT') {
    return undefined;
  }
  const value = readProperty(error, 'retryAfterMs');
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
