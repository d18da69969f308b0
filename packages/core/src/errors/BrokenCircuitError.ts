import { brandedInstanceOf, hasErrorCode, SwitchyardError } from './SwitchyardError.js';
import { MESSAGE, stacklessFactory } from './stacklessError.js';

/**
 * A circuit breaker rejected the call without running it: the circuit is open, or it
 * is half-open and every probe permit is taken. `retryAfterMs` is the breaker's best
 * guess of when a call could be admitted (0 when it cannot tell, e.g. while probes
 * decide); adapters turn it into `Retry-After`. Breakers make it without a stack trace
 * (see `brokenCircuit`).
 */
export class BrokenCircuitError extends SwitchyardError {
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number, message?: string, options?: { cause?: unknown }) {
    const wait = Math.max(0, Math.ceil(retryAfterMs));
    super('SWITCHYARD_BROKEN_CIRCUIT', message ?? `Circuit is open; retry after ${wait} ms`, options);
    this.retryAfterMs = wait;
  }

  /** By brand and code, so an error from another copy of the package matches too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asked about, a subclass's too
    return brandedInstanceOf(this, BrokenCircuitError, 'SWITCHYARD_BROKEN_CIRCUIT', value);
  }
}

/** Same as `value instanceof BrokenCircuitError`. */
export function isBrokenCircuitError(value: unknown): value is BrokenCircuitError {
  return hasErrorCode(value, 'SWITCHYARD_BROKEN_CIRCUIT');
}

const makeBrokenCircuit = stacklessFactory(
  BrokenCircuitError,
  'SWITCHYARD_BROKEN_CIRCUIT',
  (error) => `Circuit is open; retry after ${error.retryAfterMs} ms`,
);

/**
 * The error a breaker rejects with: a `BrokenCircuitError` in every way a caller can test
 * (`instanceof`, `code`, `message`, `retryAfterMs`) but made without capturing a stack,
 * which would cost microseconds per rejected call while a dependency is down.
 */
export function brokenCircuit(retryAfterMs: number, message?: string): BrokenCircuitError {
  const error = makeBrokenCircuit() as {
    retryAfterMs: number;
    [MESSAGE]?: string;
  } & BrokenCircuitError;
  error.retryAfterMs = Math.max(0, Math.ceil(retryAfterMs));
  if (message !== undefined) error[MESSAGE] = message;
  return error;
}
