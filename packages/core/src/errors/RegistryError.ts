import { brandedInstanceOf, hasErrorCode, SwitchyardError } from './SwitchyardError.js';

/** The registry could not be read or written (unreachable agent, bad answer). */
export class RegistryError extends SwitchyardError {
  readonly registry: string;

  constructor(registry: string, message: string, options?: { cause?: unknown }) {
    super('SWITCHYARD_REGISTRY', `${registry}: ${message}`, options);
    this.registry = registry;
  }

  /** By brand and code, so an error from another copy of the package matches too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asked about, a subclass's too
    return brandedInstanceOf(this, RegistryError, 'SWITCHYARD_REGISTRY', value);
  }
}

/** Same as `value instanceof RegistryError`. */
export function isRegistryError(value: unknown): value is RegistryError {
  return hasErrorCode(value, 'SWITCHYARD_REGISTRY');
}
