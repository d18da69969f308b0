const BRAND = Symbol.for('switchyard.error');

/** Stable machine-readable error codes. */
export type SwitchyardErrorCode =
  | 'SWITCHYARD_CONFIG'
  | 'SWITCHYARD_NO_INSTANCES'
  | 'SWITCHYARD_REGISTRY'
  | 'SWITCHYARD_BROKEN_CIRCUIT'
  | 'SWITCHYARD_ISOLATED_CIRCUIT'
  | 'SWITCHYARD_TIMEOUT'
  | 'SWITCHYARD_BULKHEAD_REJECTED'
  | 'SWITCHYARD_RETRY_BUDGET_EXHAUSTED'
  | 'SWITCHYARD_ABORTED'
  | 'SWITCHYARD_HTTP_STATUS';

/**
 * Base class of every error Switchyard throws. The brand is a `Symbol.for` key so
 * `isSwitchyardError()` works across duplicate installs of the package, where
 * `instanceof` would not.
 */
export class SwitchyardError extends Error {
  readonly code: SwitchyardErrorCode;

  constructor(code: SwitchyardErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: code, enumerable: false });
  }
}

/** True for any Switchyard error, whichever copy of the package created it. */
export function isSwitchyardError(value: unknown): value is SwitchyardError {
  return typeof value === 'object' && value !== null && BRAND in value;
}

/** True for a Switchyard error with the given code. */
export function hasErrorCode(value: unknown, code: SwitchyardErrorCode): value is SwitchyardError {
  return isSwitchyardError(value) && (value as unknown as Record<symbol, unknown>)[BRAND] === code;
}
