import { ConfigError } from './ConfigError.js';
import { describeError, isInstanceOf, readProperty } from './safeRead.js';

/** A class whose instances `handleType` matches (any constructor: its parameters do not matter). */
export type ErrorType<E> = abstract new (...args: never[]) => E;

/**
 * Which errors a policy or breaker acts on: the one predicate shape every policy takes
 * under its `handle` option (cockatiel's `handleAll` / `handleType` / `handleWhen`).
 * Build one with `handleAll`, `handleWhen(fn)` or `handleType(Class, fn?)` and widen it
 * with `.orWhen(fn)` / `.orType(Class, fn?)`. Filters are immutable: `or*` returns a new one.
 */
export interface ErrorFilter {
  /** True when the filter covers `error`. */
  handles(error: unknown): boolean;
  /** Also covers errors for which `predicate` is true. */
  orWhen(predicate: (error: unknown) => boolean): ErrorFilter;
  /** Also covers instances of `type` (for which `predicate`, if given, is true). */
  orType<E>(type: ErrorType<E>, predicate?: (error: E) => boolean): ErrorFilter;
}

type Test = (error: unknown) => boolean;

class AnyOfFilter implements ErrorFilter {
  constructor(private readonly tests: readonly Test[]) {}

  handles(error: unknown): boolean {
    for (const test of this.tests) if (test(error)) return true;
    return false;
  }

  orWhen(predicate: (error: unknown) => boolean): ErrorFilter {
    return new AnyOfFilter([...this.tests, whenTest('orWhen', predicate)]);
  }

  orType<E>(type: ErrorType<E>, predicate?: (error: E) => boolean): ErrorFilter {
    return new AnyOfFilter([...this.tests, typeTest('orType', type, predicate)]);
  }
}

/** Every error. */
export const handleAll: ErrorFilter = new AnyOfFilter([() => true]);

/** The errors for which `predicate` is true. */
export function handleWhen(predicate: (error: unknown) => boolean): ErrorFilter {
  return new AnyOfFilter([whenTest('handleWhen', predicate)]);
}

/**
 * Instances of `type` (for which `predicate`, if given, is true). Switchyard's own error
 * classes match by brand, so `handleType(BrokenCircuitError)` also covers errors made by
 * another copy of the package.
 */
export function handleType<E>(type: ErrorType<E>, predicate?: (error: E) => boolean): ErrorFilter {
  return new AnyOfFilter([typeTest('handleType', type, predicate)]);
}

function whenTest(where: string, predicate: unknown): Test {
  if (typeof predicate !== 'function') throw new ConfigError(where, 'a function (error) => boolean', predicate);
  return (error) => (predicate as Test)(error) === true;
}

function typeTest<E>(where: string, type: unknown, predicate: unknown): Test {
  if (typeof type !== 'function') throw new ConfigError(where, 'an error class', type);
  if (predicate !== undefined && typeof predicate !== 'function') {
    throw new ConfigError(`${where} predicate`, 'a function (error) => boolean', predicate);
  }
  const Type = type as ErrorType<E>;
  const test = predicate as ((error: E) => boolean) | undefined;
  return (error) => isInstanceOf(error, Type) && (test === undefined || test(error as E) === true);
}

/**
 * Validates a `handle`-style option: an `ErrorFilter` (anything with a `handles`
 * method, so filters from another copy of the package work), else a `ConfigError`
 * naming `option`. A bare function is refused with a hint, not silently wrapped: one
 * shape for every policy.
 */
export function errorFilterOption(option: string, value: unknown): ErrorFilter {
  if (typeof value === 'object' && typeof readProperty(value, 'handles') === 'function') return value as ErrorFilter;
  throw new ConfigError(
    option,
    'an ErrorFilter (handleAll, handleWhen(fn), handleType(Class, fn?))',
    value,
    typeof value === 'function' ? { detail: 'wrap a predicate in handleWhen(fn)' } : undefined,
  );
}

/** Filters that have already reported a throwing predicate: one warning each, not one per failure. */
const reported = new WeakSet<ErrorFilter>();

/**
 * `filter.handles(error)`, or `whenThrows` when a user predicate throws (reported once
 * per filter as a process warning). A buggy predicate must neither replace the error
 * the caller gets nor corrupt a breaker's bookkeeping; each caller picks the safe answer.
 */
export function filterHandles(filter: ErrorFilter, error: unknown, whenThrows: boolean): boolean {
  try {
    return filter.handles(error) === true;
  } catch (thrown) {
    if (!reported.has(filter)) {
      reported.add(filter);
      const text = describeError(thrown);
      queueMicrotask(() =>
        process.emitWarning(
          `Switchyard error filter threw; the error was treated as ${whenThrows ? 'handled' : 'not handled'}: ${text}`,
        ),
      );
    }
    return whenThrows;
  }
}
