import { readProperty } from './safeRead.js';

/** Global (`Symbol.for`) so every copy of the package brands its errors with the same key. */
export const BRAND = Symbol.for('switchyard.error');

/** Every code, one per error class; each is thrown somewhere (docs/client.md#errors says where). */
export const SWITCHYARD_ERROR_CODES = [
  'SWITCHYARD_CONFIG',
  'SWITCHYARD_NO_INSTANCES',
  'SWITCHYARD_REGISTRY',
  'SWITCHYARD_BROKEN_CIRCUIT',
  'SWITCHYARD_ISOLATED_CIRCUIT',
  'SWITCHYARD_TIMEOUT',
  'SWITCHYARD_BULKHEAD_REJECTED',
  'SWITCHYARD_HTTP_STATUS',
  'SWITCHYARD_CONNECTION',
] as const;

/** Stable machine-readable error codes. */
export type SwitchyardErrorCode = (typeof SWITCHYARD_ERROR_CODES)[number];

/**
 * Base class of every error Switchyard throws. Each instance carries its code under a
 * `Symbol.for` brand, and `instanceof` checks that brand (as undici's errors do), so
 * `error instanceof BrokenCircuitError` holds even when the error was made by another
 * copy of the package (a duplicate install, a bundled dependency).
 */
export class SwitchyardError extends Error {
  readonly code: SwitchyardErrorCode;

  constructor(code: SwitchyardErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: code, enumerable: false });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asked about, a subclass's too
    return brandedInstanceOf(this, SwitchyardError, undefined, value);
  }
}

/** The code under the brand, whichever copy of the package made the error; undefined for anything else. */
export function switchyardCodeOf(value: unknown): SwitchyardErrorCode | undefined {
  const code = readProperty(value, BRAND);
  return typeof code === 'string' ? (code as SwitchyardErrorCode) : undefined;
}

/** True for any Switchyard error, whichever copy of the package created it. */
export function isSwitchyardError(value: unknown): value is SwitchyardError {
  return switchyardCodeOf(value) !== undefined;
}

/** True for a Switchyard error with the given code. */
export function hasErrorCode(value: unknown, code: SwitchyardErrorCode): value is SwitchyardError {
  return switchyardCodeOf(value) === code;
}

const ordinaryInstanceOf = Function.prototype[Symbol.hasInstance];

/**
 * `instanceof` for the Switchyard error class `own` (keyed by `code`; any code for the
 * base): by brand, so errors from other copies of the package match. For a subclass
 * written outside Switchyard (`target !== own`) it is the ordinary prototype check.
 * Never throws, even for a Proxy whose traps do.
 */
export function brandedInstanceOf(
  target: unknown,
  own: unknown,
  code: SwitchyardErrorCode | undefined,
  value: unknown,
): boolean {
  if (target === own) return code === undefined ? isSwitchyardError(value) : hasErrorCode(value, code);
  try {
    return ordinaryInstanceOf.call(target, value);
  } catch {
    return false;
  }
}
