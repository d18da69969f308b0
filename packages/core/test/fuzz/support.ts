// Shared harness of the case 13 property tests: every public entry point that takes
// options gets the same three properties (valid options construct; one invalid option is
// a ConfigError naming it and what is allowed; an unknown key is a ConfigError naming it).
import { type ConfigError, handleAll, handleWhen } from '@switchyard/core';
import { isConfigError } from '@switchyard/core/internal';
import fc from 'fast-check';
import { expect, it } from 'vitest';

/** One seed for every fuzz file, so a failure reproduces; fast-check prints the path to shrink from. */
export const SEED = 20_261_204;
/** Kept small: the fuzz files together should add well under 10 s to the suite. */
export const RUNS = { valid: 40, invalid: 120 } as const;

/** The longest delay Node's timers take; a longer one fires at once. */
export const MAX_TIMER = 2 ** 31 - 1;

/** Every key of `RetryOptions` (the client's `retry` adds none but `budget`). */
export const RETRY_KEYS = [
  'maxAttempts',
  'initialDelayMs',
  'maxDelayMs',
  'multiplier',
  'jitter',
  'handle',
  'idempotent',
  'retryNonIdempotent',
  'maxRetryAfterMs',
  'budget',
  'random',
];

export type Path = readonly (string | number)[];

/** One option set to one invalid value, and the option path the ConfigError must name. */
export interface Invalid {
  readonly path: Path;
  readonly value: unknown;
  readonly option: string;
}

type Kind = 'null' | 'boolean' | 'number' | 'string' | 'object' | 'array' | 'function' | 'symbol' | 'bigint';

const KINDS: Readonly<Record<Kind, fc.Arbitrary<unknown>>> = {
  null: fc.constant(null),
  boolean: fc.boolean(),
  number: fc.oneof(fc.double(), fc.integer()),
  string: fc.string({ maxLength: 8 }),
  object: fc.oneof(fc.constant({}), fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 })),
  array: fc.array(fc.integer(), { maxLength: 2 }),
  function: fc.constant(() => undefined),
  symbol: fc.string({ maxLength: 4 }).map((s) => Symbol(s)),
  bigint: fc.bigInt({ min: -10n, max: 10n }),
};

/** Any value (never `undefined`, which means "the default") whose kind is not one of `except`. */
export function junk(...except: Kind[]): fc.Arbitrary<unknown> {
  const kinds = (Object.keys(KINDS) as Kind[]).filter((k) => !except.includes(k));
  return fc.oneof(...kinds.map((k) => KINDS[k]));
}

/** Numbers a `[min, max]` option refuses (NaN and infinities included), plus non-numbers. */
export function badNumber(
  min: number,
  max: number,
  options: { integer?: boolean; minExclusive?: boolean; allowInfinity?: boolean } = {},
): fc.Arbitrary<unknown> {
  const out: fc.Arbitrary<unknown>[] = [junk('number'), fc.constant(Number.NaN)];
  if (!options.allowInfinity) out.push(fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY));
  if (Number.isFinite(min)) {
    const below = options.minExclusive ? min : Math.max(min - 1e6, -Number.MAX_VALUE);
    out.push(
      fc
        .double({ min: -Number.MAX_VALUE, max: below, noNaN: true, noDefaultInfinity: true })
        .filter((v) => (options.minExclusive ? v <= min : v < min)),
    );
  }
  if (Number.isFinite(max)) {
    out.push(
      fc.double({ min: max, max: Number.MAX_VALUE, noNaN: true, noDefaultInfinity: true }).filter((v) => v > max),
    );
  }
  if (options.integer) {
    const lo = Number.isFinite(min) ? min : -1e6;
    const hi = Number.isFinite(max) ? Math.min(max, lo + 1e6) : lo + 1e6;
    out.push(fc.double({ min: lo, max: hi, noNaN: true }).filter((v) => !Number.isInteger(v)));
  }
  return fc.oneof(...out);
}

/** Strings that are not one of `allowed`, plus non-strings. */
export function badChoice(allowed: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    junk('string'),
    fc.string({ maxLength: 10 }).filter((s) => !allowed.includes(s)),
    fc
      .constantFrom(...allowed)
      .map((s) => s.toUpperCase())
      .filter((s) => !allowed.includes(s)),
  );
}

/** Invalid values for the option at `path`, named `option` (default: the path joined by dots). */
export function at(path: Path, values: fc.Arbitrary<unknown>, option = optionName(path)): fc.Arbitrary<Invalid> {
  return values.map((value) => ({ path, value, option }));
}

export function optionName(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * Keys a nested options object refuses: random non-options and near-misses of real
 * ones (`maxAttemptss`, `MaxAttempts`), as typos are.
 */
export function unknownKeyAt(path: Path, known: readonly string[], prefix = optionName(path)): fc.Arbitrary<Invalid> {
  const typo = fc
    .tuple(fc.constantFrom(...known), fc.constantFrom('double', 'upper', 'drop'))
    .map(([key, how]) =>
      how === 'double'
        ? `${key}${key.at(-1)}`
        : how === 'upper'
          ? `${key[0]?.toUpperCase()}${key.slice(1)}`
          : key.slice(0, -1),
    );
  return fc
    .oneof(
      typo,
      fc.stringMatching(/^[a-z][A-Za-z]{0,8}$/).map((k) => `zz${k}`),
    )
    .filter((key) => !known.includes(key) && key.length > 0 && !isPrototypeKey(key))
    .map((key) => ({ path: [...path, key], value: 1, option: prefix === '' ? key : `${prefix}.${key}` }));
}

function isPrototypeKey(key: string): boolean {
  return key in Object.prototype;
}

/** A copy of `root` with `path` set to `value`; missing (or non-object) parents become `{}` (`[]` before an index). */
export function withValue<T>(root: T, path: Path, value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const base = root as unknown;
  const copy = (
    Array.isArray(base)
      ? [...base]
      : typeof base === 'object' && base !== null
        ? { ...(base as Record<string, unknown>) }
        : typeof head === 'number'
          ? []
          : {}
  ) as Record<string | number, unknown>;
  copy[head] = withValue(copy[head], rest, value);
  return copy as T;
}

/** What `run` threw or rejected with (undefined when it did neither). */
export async function thrownBy(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Fails unless `error` is a ConfigError naming `option` and saying what is allowed. */
export function expectConfigError(error: unknown, option: string): asserts error is ConfigError {
  if (!isConfigError(error)) {
    throw new Error(`expected a ConfigError naming ${option}, got ${error === undefined ? 'no error' : String(error)}`);
  }
  const e = error as ConfigError;
  expect(e.option).toBe(option);
  expect(e.allowed.length).toBeGreaterThan(0);
  expect(e.message).toContain(`"${option}"`);
  expect(e.message).toContain(e.allowed);
}

export interface EntryPoint<O> {
  readonly valid: fc.Arbitrary<O>;
  readonly invalid: fc.Arbitrary<Invalid>;
  /** Constructs from `options`; returns what to dispose (or a promise of it). */
  readonly build: (options: O) => unknown;
  readonly dispose?: (built: unknown) => unknown;
}

/** The three properties of one entry point, as vitest tests. */
export function optionProperties<O>(entry: EntryPoint<O>): void {
  it('constructs from every valid option set', async () => {
    await fc.assert(
      fc.asyncProperty(entry.valid, async (options) => {
        const built = await entry.build(options);
        await entry.dispose?.(built);
      }),
      { seed: SEED, numRuns: RUNS.valid },
    );
  });

  it('refuses every invalid option with a ConfigError naming it and what is allowed', async () => {
    await fc.assert(
      fc.asyncProperty(entry.valid, entry.invalid, async (options, bad) => {
        let built: unknown;
        const error = await thrownBy(async () => {
          built = await entry.build(withValue(options, bad.path, bad.value));
        });
        if (built !== undefined) await entry.dispose?.(built);
        expectConfigError(error, bad.option);
      }),
      { seed: SEED, numRuns: RUNS.invalid },
    );
  });
}

/** Valid error filters, and things that are not one. */
export const filter = fc.constantFrom(
  handleAll,
  handleWhen(() => true),
);
export const badFilter = fc.oneof(
  junk('object'),
  fc.constant({}),
  fc.constant(() => true),
);
