import { brandedInstanceOf, hasErrorCode, SwitchyardError } from './SwitchyardError.js';

/** An operation did not finish within its time limit. Also the abort reason of the attempt's signal. */
export class TimeoutError extends SwitchyardError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super('SWITCHYARD_TIMEOUT', `Operation timed out after ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }

  /** By brand and code, so an error from another copy of the package matches too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asked about, a subclass's too
    return brandedInstanceOf(this, TimeoutError, 'SWITCHYARD_TIMEOUT', value);
  }
}

/** Same as `value instanceof TimeoutError`. */
export function isTimeoutError(value: unknown): value is TimeoutError {
  return hasErrorCode(value, 'SWITCHYARD_TIMEOUT');
}
