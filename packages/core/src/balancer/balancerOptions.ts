import type { Clock, RandomSource } from '../common/Clock.js';
import { ConfigError } from '../errors/ConfigError.js';

/**
 * Checks that `value` is undefined or a plain object holding only `known` keys, so a
 * typo such as `decayMS` fails loudly instead of silently using the default.
 * `prefix` names the strategy in errors (`peakEwma.decayMs`).
 */
export function balancerOptions(prefix: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(prefix, 'an object', value);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      const allowed = known.length === 0 ? 'no options' : `a known option (${known.join(', ')})`;
      throw new ConfigError(`${prefix}.${key}`, allowed, record[key]);
    }
  }
  return record;
}

/** An injected random source, or undefined for the balancer's built-in generator. */
export function randomOption(option: string, value: unknown): RandomSource | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ConfigError(option, 'a function returning a number in [0, 1)', value);
  return value as RandomSource;
}

export function clockOption(option: string, value: unknown, fallback: Clock): Clock {
  if (value === undefined) return fallback;
  if (typeof value !== 'object' || value === null || typeof (value as Partial<Clock>).now !== 'function') {
    throw new ConfigError(option, 'an object with a now() method', value);
  }
  return value as Clock;
}
