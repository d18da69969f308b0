import { isAbortError } from '../errors/classify.js';
import { hasErrorCode } from '../errors/SwitchyardError.js';
import { isTimeoutError } from '../errors/TimeoutError.js';
import type { CallOutcomeKind } from '../events/messages.js';

/** How a failed call ended, for observers: the caller left, it timed out, it was refused locally, or it failed. */
export function outcomeOf(error: unknown, signal: AbortSignal | undefined): CallOutcomeKind {
  if (signal?.aborted || isAbortError(error)) return 'aborted';
  if (isTimeoutError(error)) return 'timeout';
  if (
    hasErrorCode(error, 'SWITCHYARD_BROKEN_CIRCUIT') ||
    hasErrorCode(error, 'SWITCHYARD_ISOLATED_CIRCUIT') ||
    hasErrorCode(error, 'SWITCHYARD_BULKHEAD_REJECTED') ||
    hasErrorCode(error, 'SWITCHYARD_NO_INSTANCES')
  ) {
    return 'rejected';
  }
  return 'failure';
}
