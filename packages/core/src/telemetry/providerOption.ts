import { ConfigError } from '../errors/ConfigError.js';

/** An optional provider option (`tracerProvider`, ...): undefined, or an object with `method()`; else a ConfigError naming `option`. */
export function providerOption<T>(option: string, value: T | undefined, method: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[method] !== 'function') {
    throw new ConfigError(option, `an object with ${method}()`, value);
  }
  return value;
}
