import type { ConfigError } from '@switchyard/core';
import { isConfigError } from '@switchyard/core/internal';

/** The ConfigError `action` throws; fails the test when it throws nothing or something else. */
export function configErrorOf(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    if (isConfigError(error)) return error as ConfigError;
    throw error;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}
