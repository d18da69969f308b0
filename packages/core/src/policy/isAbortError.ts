import { hasErrorCode } from '../errors/SwitchyardError.js';

/**
 * True for a cancellation rather than a failure: a DOMException `AbortError` (what
 * `AbortController.abort()` and `fetch` reject with), Node's `ABORT_ERR`, or a
 * Switchyard `SWITCHYARD_ABORTED` error. A `TimeoutError` is not an abort error.
 */
export function isAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'AbortError' || code === 'ABORT_ERR' || hasErrorCode(error, 'SWITCHYARD_ABORTED');
}
