import { hasErrorCode } from '../errors/SwitchyardError.js';
import { networkErrorCode } from './networkErrorCode.js';

/** Failures before a connection existed: the server cannot have seen the request. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * True when the error proves the request never reached the server: an open or isolated
 * breaker or a full bulkhead refused it, or the connection could not be made. Such a
 * call is safe to retry even when it is not idempotent (Finagle's "requeue", gRPC's
 * transparent retry).
 */
export function isUnsentError(error: unknown): boolean {
  if (
    hasErrorCode(error, 'SWITCHYARD_BROKEN_CIRCUIT') ||
    hasErrorCode(error, 'SWITCHYARD_ISOLATED_CIRCUIT') ||
    hasErrorCode(error, 'SWITCHYARD_BULKHEAD_REJECTED')
  ) {
    return true;
  }
  const code = networkErrorCode(error);
  return code !== undefined && CONNECT_CODES.has(code);
}
