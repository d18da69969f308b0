import { brandedInstanceOf, hasErrorCode, SwitchyardError } from './SwitchyardError.js';
import { stacklessFactory } from './stacklessError.js';

/**
 * A bulkhead had no free slot and no room in its queue, so the call was not started.
 * `BulkheadPolicy` makes it without a stack trace (see `bulkheadRejected`).
 */
export class BulkheadRejectedError extends SwitchyardError {
  readonly maxConcurrent: number;
  readonly maxQueue: number;

  constructor(maxConcurrent: number, maxQueue: number) {
    super('SWITCHYARD_BULKHEAD_REJECTED', bulkheadMessage(maxConcurrent, maxQueue));
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

function bulkheadMessage(maxConcurrent: number, maxQueue: number): string {
  return `Bulkhead full: ${maxConcurrent} calls in flight and ${maxQueue} queued (the limits)`;
}

const makeBulkheadRejected = stacklessFactory(BulkheadRejectedError, 'SWITCHYARD_BULKHEAD_REJECTED', (error) =>
  bulkheadMessage(error.maxConcurrent, error.maxQueue),
);

/**
 * The error a full bulkhead rejects with: a `BulkheadRejectedError` in every way a caller
 * can test, made without capturing a stack (microseconds per rejection under overload).
 */
export function bulkheadRejected(maxConcurrent: number, maxQueue: number): BulkheadRejectedError {
  const error = makeBulkheadRejected() as {
    maxConcurrent: number;
    maxQueue: number;
  } & BulkheadRejectedError;
  error.maxConcurrent = maxConcurrent;
  error.maxQueue = maxQueue;
  return error;
}
