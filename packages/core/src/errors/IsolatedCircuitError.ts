import { brandedInstanceOf, hasErrorCode, SwitchyardError } from './SwitchyardError.js';
import { stacklessFactory } from './stacklessError.js';

/** The circuit was isolated (held open by an operator or by shutdown) and stays so until reset. */
export class IsolatedCircuitError extends SwitchyardError {
  constructor(message = 'Circuit is isolated until it is reset', options?: { cause?: unknown }) {
    super('SWITCHYARD_ISOLATED_CIRCUIT', message, options);
  }

  /** By brand and code, so an error from another copy of the package matches too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asked about, a subclass's too
    return brandedInstanceOf(this, IsolatedCircuitError, 'SWITCHYARD_ISOLATED_CIRCUIT', value);
  }
}

/** Same as `value instanceof IsolatedCircuitError`. */
export function isIsolatedCircuitError(value: unknown): value is IsolatedCircuitError {
  return hasErrorCode(value, 'SWITCHYARD_ISOLATED_CIRCUIT');
}

const makeIsolatedCircuit = stacklessFactory(
  IsolatedCircuitError,
  'SWITCHYARD_ISOLATED_CIRCUIT',
  () => 'Circuit is isolated until it is reset',
);

/** The error an isolated breaker rejects with, made without capturing a stack (see `brokenCircuit`). */
export function isolatedCircuit(): IsolatedCircuitError {
  return makeIsolatedCircuit();
}
