import { hasErrorCode, SwitchyardError } from './SwitchyardError.js';

/** The registry could not be read or written (unreachable agent, bad answer). */
export class RegistryError extends SwitchyardError {
  readonly registry: string;

  constructor(registry: string, message: string, options?: { cause?: unknown }) {
    super('SWITCHYARD_REGISTRY', `${registry}: ${message}`, options);
    this.registry = registry;
  }
}

export function isRegistryError(value: unknown): value is RegistryError {
  return hasErrorCode(value, 'SWITCHYARD_REGISTRY');
}
