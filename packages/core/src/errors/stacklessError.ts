import type { SwitchyardErrorCode } from './SwitchyardError.js';

/** The brand SwitchyardError's constructor sets (see SwitchyardError.ts). */
const BRAND = Symbol.for('switchyard.error');

/** Where a stackless error keeps a message given up front; others build it when read. */
export const MESSAGE = Symbol('switchyard.message');

/**
 * A prototype for errors of class `type` made without running its constructor. The
 * `Error` constructor captures a stack trace, which costs microseconds; a rejection that
 * never ran the call (an open breaker, a full bulkhead) has no interesting stack, and is
 * made thousands of times a second exactly when a dependency is down. Such an error
 * is an instance of `type` (prototype chain and brand alike) and says what happened in
 * its `message` and fields. Its `message` (from `describe`, unless one was given) and its
 * `stack` (the `name: message` line alone) are built when first read, and assigning
 * either works as on any error.
 */
export function stacklessPrototype<E extends Error>(
  type: abstract new (...args: never[]) => E,
  code: SwitchyardErrorCode,
  describe: (error: E) => string,
): E {
  return Object.create(type.prototype, {
    [BRAND]: { value: code },
    message: {
      get(this: E & { [MESSAGE]?: string }): string {
        return this[MESSAGE] ?? describe(this);
      },
      set(this: E, value: unknown) {
        ownValue(this, 'message', value);
      },
      configurable: true,
    },
    stack: {
      get(this: E): string {
        return `${this.name}: ${this.message}`;
      },
      set(this: E, value: unknown) {
        ownValue(this, 'stack', value);
      },
      configurable: true,
    },
  }) as E;
}

/** A new error on `proto`, with the own `code` and `name` the constructor would set. */
export function stacklessError<E extends Error>(proto: E, name: string, code: SwitchyardErrorCode): E {
  const error = Object.create(proto) as E & { code: SwitchyardErrorCode };
  error.code = code;
  error.name = name;
  return error;
}

/** Set as the constructor sets it: writable, not enumerable. */
function ownValue(error: Error, key: 'message' | 'stack', value: unknown): void {
  Object.defineProperty(error, key, { value, writable: true, configurable: true });
}
