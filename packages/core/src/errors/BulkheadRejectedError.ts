import { hasErrorCode, SwitchyardError } from './SwitchyardError.js';

/** A bulkhead had no free slot and no room in its queue, so the call was not started. */
export class BulkheadRejectedError extends SwitchyardError {
  readonly maxConcurrent: number;
  readonly maxQueue: number;

  constructor(maxConcurrent: number, maxQueue: number) {
    super(
      'SWITCHYARD_BULKHEAD_REJECTED',
      `Bulkhead full: ${maxConcurrent} calls in flight and ${maxQueue} queued (the limits)`,
    );
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
  }
}

export function isBulkheadRejectedError(value: unknown): value is BulkheadRejectedError {
  return hasErrorCode(value, 'SWITCHYARD_BULKHEAD_REJECTED');
}
