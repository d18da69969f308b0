import { isSensitiveKey, redactText } from '../common/redact.js';
import { brandedInstanceOf, hasErrorCode, SwitchyardError } from './SwitchyardError.js';

/** An option was missing or invalid. Names the option, what is allowed, and what was given. */
export class ConfigError extends SwitchyardError {
  readonly option: string;
  readonly allowed: string;
  declare readonly received: unknown;

  constructor(option: string, allowed: string, received: unknown, options?: { cause?: unknown; detail?: string }) {
    const detail = options?.detail === undefined ? '' : ` (${options.detail})`;
    super(
      'SWITCHYARD_CONFIG',
      `Invalid option "${option}": expected ${allowed}, received ${describe(option, received)}${detail}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.option = option;
    this.allowed = allowed;
    // Not enumerable: a logged or inspected error shows the scrubbed message, not the raw value.
    Object.defineProperty(this, 'received', { value: received, enumerable: false, writable: false });
  }

  /** By brand and code, so an error from another copy of the package matches too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asked about, a subclass's too
    return brandedInstanceOf(this, ConfigError, 'SWITCHYARD_CONFIG', value);
  }
}

/** Same as `value instanceof ConfigError`. */
export function isConfigError(value: unknown): value is ConfigError {
  return hasErrorCode(value, 'SWITCHYARD_CONFIG');
}

function describe(option: string, value: unknown): string {
  // Scrubbed: a mistyped option can be a URL with credentials or a token, and the value of
  // an option named like a secret (`aclToken`, `password`, a misspelt `token`) is not shown at all.
  if (typeof value === 'string') {
    return isSensitiveKey(lastSegment(option)) ? '"[redacted]"' : JSON.stringify(redactText(value));
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** `token` of `services.cart.token` or `instances[2].token`. */
function lastSegment(option: string): string {
  return option.slice(Math.max(option.lastIndexOf('.'), option.lastIndexOf(']')) + 1);
}
