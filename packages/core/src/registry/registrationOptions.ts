import { knownKeys, nonEmptyString, oneOf, plainObject } from '../common/validate.js';
import { INSTANCE_INPUT_KEYS, type InstanceInput } from './Instance.js';
import type { HealthCheck, Registration } from './ServiceRegistry.js';

/** Every key of `Registration`, typed so a new field there fails to compile here. */
const REGISTRATION_KEYS: Readonly<Record<keyof Registration, true>> = { ...INSTANCE_INPUT_KEYS, check: true };

/** The keys each check type takes. */
const CHECK_KEYS: Readonly<Record<HealthCheck['type'], readonly string[]>> = {
  http: ['type', 'url', 'interval', 'timeout', 'deregisterCriticalServiceAfter'],
  tcp: ['type', 'address', 'interval', 'timeout', 'deregisterCriticalServiceAfter'],
  ttl: ['type', 'ttl', 'deregisterCriticalServiceAfter'],
};
const CHECK_TYPES = Object.keys(CHECK_KEYS) as HealthCheck['type'][];

export interface CheckedRegistration {
  readonly service: string;
  /** The instance part, for `createInstance`. */
  readonly input: InstanceInput;
  readonly check: HealthCheck | undefined;
}

/**
 * The checks every registry makes on `register()` input, so a typo (`wieght`, a check's
 * `intervall`) is a ConfigError naming `registration.<key>` whichever registry gets it,
 * even one that ignores checks. Registry-specific rules (Consul's durations, whole
 * weights, meta keys) come on top, as does the instance validation of `createInstance`.
 */
export function registrationOptions(registration: unknown): CheckedRegistration {
  const input = plainObject('registration', registration);
  knownKeys('registration.', input, Object.keys(REGISTRATION_KEYS));
  const service = nonEmptyString('registration.service', input.service);
  const { check, ...rest } = input;
  if (check !== undefined) {
    const c = plainObject('registration.check', check);
    const type = oneOf('registration.check.type', c.type, CHECK_TYPES);
    knownKeys('registration.check.', c, CHECK_KEYS[type], ` for a ${type} check`);
  }
  return { service, input: rest as unknown as InstanceInput, check: check as HealthCheck | undefined };
}
