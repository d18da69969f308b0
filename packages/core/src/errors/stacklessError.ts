import type { SwitchyardErrorCode } from './SwitchyardError.js';

/** The brand SwitchyardError's constructor sets (see SwitchyardError.ts). */
const BRAND = Symbol.for('switchyard.error');

/**
 * A prototype for errors of class `type` made without running its constructor. The
 * `Error` constructor captures a stack trace, which costs microseconds; a rejection that
 * never ran the call (an open breaker, a full bulkhead) has no interesting stack, and is
 * made thousands of times a second exactly when a dependency is down. Such an error
 * is an instance of `type` (prototype chain and brand alike), says what happened in its
 * `message` and fields, and its `stack` is the `name: message` line alone, built when
 * first read. Assigning `stack` works as on any error.
 */
export function stacklessPrototype<E extends Error>(
  type: abstract new (...args: never[]) => E,
  code: SwitchyardErrorCode,
): E {
  return Object.create(type.prototype, {
    [BRAND]: { value: code },
    stack: {
      get(this: Error): string {
        return `${this.name}: ${this.message}`;
      },
      set(this: Error, value: unknown) {
        Object.defineProperty(this, 'stack', { value, writable: true, configurable: true });
      },
      configurable: true,
    },
  }) as E;
}

/** A new error on `proto` with the own `message` (not enumerable, as the constructor's), `code` and `name`. */
export function stacklessError<E extends Error>(proto: E, name: string, code: SwitchyardErrorCode, message: string): E {
  const error = Object.create(proto) as E & { code: SwitchyardErrorCode };
  Object.defineProperty(error, 'message', { value: message, writable: true, configurable: true });
  error.code = code;
  error.name = name;
  return error;
}
