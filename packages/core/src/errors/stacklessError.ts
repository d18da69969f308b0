import { BRAND, type SwitchyardErrorCode } from './SwitchyardError.js';

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
function stacklessPrototype<E extends Error>(
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

/**
 * Makes errors of class `type` without a stack (see `stacklessPrototype`), each with the
 * own `code` and `name` its constructor would set; the prototype is made on first use.
 */
export function stacklessFactory<E extends Error>(
  type: abstract new (...args: never[]) => E,
  code: SwitchyardErrorCode,
  describe: (error: E) => string,
): () => E {
  let proto: E | undefined;
  return () => {
    proto ??= stacklessPrototype(type, code, describe);
    const error = Object.create(proto) as E & { code: SwitchyardErrorCode };
    error.code = code;
    error.name = type.name;
    return error;
  };
}

/** Set as the constructor sets it: writable, not enumerable. */
function ownValue(error: Error, key: 'message' | 'stack', value: unknown): void {
  Object.defineProperty(error, key, { value, writable: true, configurable: true });
}
