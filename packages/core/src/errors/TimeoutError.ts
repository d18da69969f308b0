import { hasErrorCode, SwitchyardError } from './SwitchyardError.js';

/** An operation did not finish within its time limit. Also the abort reason of the attempt's signal. */
export class TimeoutError extends SwitchyardError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super('SWITCHYARD_TIMEOUT', `Operation timed out after ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

export function isTimeoutError(value: unknown): value is TimeoutError {
  return hasErrorCode(value, 'SWITCHYARD_TIMEOUT');
}
