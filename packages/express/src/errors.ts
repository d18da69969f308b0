import { ConfigError } from '@switchyard/core';

// Bad options throw core's ConfigError (same stable code and brand), naming the option.
export { ConfigError, isConfigError } from '@switchyard/core';

export function objectOption(option: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(option, 'an object', value);
  }
  return value as Record<string, unknown>;
}

export function functionOption(option: string, value: unknown): void {
  if (typeof value !== 'function') throw new ConfigError(option, 'a function', value);
}

export function booleanOption(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(option, 'true or false', value);
  return value;
}

export function numberOption(option: string, value: unknown, min: number, max = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(option, `a finite number ${range}`, value);
  }
  return value;
}

/** An object with `method()`, e.g. a tracer provider with `getTracer`. */
export function providerOption<T>(option: string, value: T | undefined, method: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[method] !== 'function') {
    throw new ConfigError(option, `an object with ${method}()`, value);
  }
  return value;
}
