import type { Balancer } from '../balancer/Balancer.js';
import type { CircuitBreaker } from '../breaker/CircuitBreaker.js';
import { withMethods } from '../common/validate.js';
import { ConfigError } from '../errors/ConfigError.js';

const BALANCER_SHAPE = 'a factory returning a Balancer (an object with a name string and a pick function)';
const BREAKER_SHAPE =
  'a factory returning a CircuitBreaker (an object with execute, admits, onStateChange, snapshot, isolate, reset and dispose functions)';
const BREAKER_METHODS = ['execute', 'admits', 'onStateChange', 'snapshot', 'isolate', 'reset', 'dispose'] as const;
const BALANCER_HOOKS = ['onCallStart', 'onCallEnd', 'retain'] as const;

/**
 * What a user's balancer factory returned, checked by shape when it is called (a factory
 * may close over anything, so it cannot be checked earlier): junk is a ConfigError naming
 * `option` instead of a TypeError at the first pick.
 */
export function checkedBalancer(option: string, value: unknown): Balancer {
  const b = value as Partial<Record<string, unknown>> | null;
  const ok =
    typeof b === 'object' &&
    b !== null &&
    typeof b.name === 'string' &&
    typeof b.pick === 'function' &&
    BALANCER_HOOKS.every((hook) => b[hook] === undefined || typeof b[hook] === 'function');
  if (!ok) throw new ConfigError(option, BALANCER_SHAPE, value);
  return value as Balancer;
}

/** Same for a breaker factory's result. */
export function checkedBreaker(option: string, value: unknown): CircuitBreaker {
  withMethods(option, value, BREAKER_METHODS, BREAKER_SHAPE);
  return value as CircuitBreaker;
}
