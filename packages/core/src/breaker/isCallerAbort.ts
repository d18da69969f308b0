import { hasErrorCode } from '../errors/SwitchyardError.js';

/**
 * True when `signal` was aborted by the caller giving up, which says nothing about the
 * dependency's health. A deadline is different: an abort whose reason is a timeout
 * (Switchyard's `TimeoutError`, or the DOMException `TimeoutError` of
 * `AbortSignal.timeout()`) means the dependency was too slow, and counts.
 */
export function isCallerAbort(signal: AbortSignal | undefined): boolean {
  if (signal === undefined || !signal.aborted) return false;
  const reason: unknown = signal.reason;
  if (typeof reason !== 'object' || reason === null) return true;
  return !(hasErrorCode(reason, 'SWITCHYARD_TIMEOUT') || (reason as { name?: unknown }).name === 'TimeoutError');
}
