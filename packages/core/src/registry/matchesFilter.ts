import type { Health, Instance } from './Instance.js';
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
