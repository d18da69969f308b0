import { hasErrorCode, SwitchyardError } from './SwitchyardError.js';

/** The circuit was isolated (held open by an operator or by shutdown) and stays so until reset. */
export class IsolatedCircuitError extends SwitchyardError {
  constructor(message = 'Circuit is isolated until it is reset', options?: { cause?: unknown }) {
    super('SWITCHYARD_ISOLATED_CIRCUIT', message, options);
  }
}

export function isIsolatedCircuitError(value: unknown): value is IsolatedCircuitError {
  return hasErrorCode(value, 'SWITCHYARD_ISOLATED_CIRCUIT');
}
