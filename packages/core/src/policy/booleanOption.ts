import { ConfigError } from '../errors/ConfigError.js';

/** Option guard for booleans (common/validate.ts has none). */
export function booleanOption(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(option, 'a boolean', value);
  return value;
}
