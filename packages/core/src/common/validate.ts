import { ConfigError } from '../errors/ConfigError.js';

// Small guards that throw a ConfigError naming the option and what it allows.

export function nonEmptyString(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0)
    throw new ConfigError(option, 'a non-empty string', value);
  return value;
}

export function finiteNumber(option: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(option, rangeText('a finite number', min, max), value);
  }
  return value;
}

export function integer(option: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(option, rangeText('an integer', min, max), value);
  }
  return value;
}

export function booleanOption(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(option, 'a boolean', value);
  return value;
}

export function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(option, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  }
  return value as T;
}

export function plainObject(option: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(option, 'an object', value);
  return value as Record<string, unknown>;
}

export function stringArray(option: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ConfigError(option, 'an array of strings', value);
  }
  return value as string[];
}

export function stringRecord(option: string, value: unknown): Record<string, string> {
  const record = plainObject(option, value);
  for (const [key, v] of Object.entries(record)) {
    if (typeof v !== 'string') throw new ConfigError(`${option}.${key}`, 'a string', v);
  }
  return record as Record<string, string>;
}

export function fn(option: string, value: unknown): void {
  if (typeof value !== 'function') throw new ConfigError(option, 'a function', value);
}

function rangeText(kind: string, min: number, max: number): string {
  if (min === -Infinity && max === Infinity) return kind;
  if (max === Infinity) return `${kind} >= ${min}`;
  if (min === -Infinity) return `${kind} <= ${max}`;
  return `${kind} from ${min} to ${max}`;
}

/**
 * Rejects keys of `record` that are not in `allowed`, so a typo (`wieght`) fails instead
 * of quietly taking a default. The error names `${prefix}${key}`.
 */
export function knownKeys(
  prefix: string,
  record: Record<string, unknown>,
  allowed: readonly string[],
  context = '',
): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(
        `${prefix}${key}`,
        `no such option${context} (allowed: ${allowed.join(', ')})`,
        record[key],
      );
    }
  }
}

/** An object (any class) with these methods, checked by shape so objects from another copy of a package pass. */
export function withMethods(option: string, value: unknown, methods: readonly string[], allowed?: string): void {
  const record = value as Record<string, unknown> | null;
  if (typeof record !== 'object' || record === null || !methods.every((m) => typeof record[m] === 'function')) {
    throw new ConfigError(option, allowed ?? `an object with ${methods.map((m) => `${m}()`).join(', ')}`, value);
  }
}

/** An array whose items each pass `check`, which gets `${option}[i]` to name them. */
export function arrayOf(option: string, value: unknown, check: (option: string, item: unknown) => void): unknown[] {
  if (!Array.isArray(value)) throw new ConfigError(option, 'an array', value);
  // Indexes, not forEach: a sparse array's holes must be checked too.
  for (let i = 0; i < value.length; i++) check(`${option}[${i}]`, value[i]);
  return value;
}

/** `value`, or `fallback` when it is undefined. Unlike `??` it keeps a `null`, for the check to refuse. */
export function orDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}
