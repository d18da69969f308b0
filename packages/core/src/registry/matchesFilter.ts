import { knownKeys, nonEmptyString, plainObject, stringArray, stringRecord } from '../common/validate.js';
import { ConfigError } from '../errors/ConfigError.js';
import { HEALTH_VALUES, type Health, type Instance } from './Instance.js';
import type { InstanceFilter } from './ServiceRegistry.js';

export const DEFAULT_HEALTH: readonly Health[] = ['passing', 'warning'];

/** Whether `instance` satisfies `filter` (health defaults to passing or warning). */
export function matchesFilter(instance: Instance, filter: InstanceFilter | undefined): boolean {
  const health = filter?.health ?? DEFAULT_HEALTH;
  if (!health.includes(instance.health)) return false;
  if (filter === undefined) return true;
  if (filter.zone !== undefined && instance.zone !== filter.zone) return false;
  if (filter.tags !== undefined) {
    for (const tag of filter.tags) if (!instance.tags.includes(tag)) return false;
  }
  if (filter.meta !== undefined) {
    for (const [key, value] of Object.entries(filter.meta)) if (instance.meta[key] !== value) return false;
  }
  return true;
}

const FILTER_KEYS: Readonly<Record<keyof InstanceFilter, true>> = { tags: true, meta: true, health: true, zone: true };

/** Validates an `InstanceFilter` given as option `option` (e.g. `filter`, `services.cart.filter`). */
export function filterOption(option: string, value: unknown): InstanceFilter {
  const filter = plainObject(option, value);
  knownKeys(`${option}.`, filter, Object.keys(FILTER_KEYS));
  if (filter.tags !== undefined) stringArray(`${option}.tags`, filter.tags);
  if (filter.meta !== undefined) stringRecord(`${option}.meta`, filter.meta);
  if (filter.zone !== undefined) nonEmptyString(`${option}.zone`, filter.zone);
  if (filter.health !== undefined) {
    const health = filter.health;
    const allowed = `an array of ${HEALTH_VALUES.map((h) => JSON.stringify(h)).join(', ')}`;
    if (!Array.isArray(health) || !health.every((h) => (HEALTH_VALUES as readonly unknown[]).includes(h))) {
      throw new ConfigError(`${option}.health`, allowed, health);
    }
  }
  return filter as InstanceFilter;
}
