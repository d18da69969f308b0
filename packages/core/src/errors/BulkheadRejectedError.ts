import { brandedInstanceOf, hasErrorCode, SwitchyardError } from './SwitchyardError.js';

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

  /** By brand and code, so an error from another copy of the package matches too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asked about, a subclass's too
    return brandedInstanceOf(this, BulkheadRejectedError, 'SWITCHYARD_BULKHEAD_REJECTED', value);
  }
}

/** Same as `value instanceof BulkheadRejectedError`. */
export function isBulkheadRejectedError(value: unknown): value is BulkheadRejectedError {
  return hasErrorCode(value, 'SWITCHYARD_BULKHEAD_REJECTED');
}
