import type { Instance } from './Instance.js';

/**
 * Whether two instance lists describe the same instances in the same order.
 * Registries rebuild instance objects on every refresh, so identity alone would
 * report a change (and bump versions, wake watchers) when nothing changed.
 * Order counts: round-robin style balancers see a reordering.
 */
export function sameInstances(a: readonly Instance[], b: readonly Instance[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!sameInstance(a[i] as Instance, b[i] as Instance)) return false;
  }
  return true;
}

/** Field-by-field equality of two instances. */
export function sameInstance(a: Instance, b: Instance): boolean {
  if (a === b) return true;
  if (
    a.id !== b.id ||
    a.service !== b.service ||
    a.host !== b.host ||
    a.port !== b.port ||
    a.weight !== b.weight ||
    a.health !== b.health ||
    a.zone !== b.zone ||
    a.tags.length !== b.tags.length
  ) {
    return false;
  }
  for (let i = 0; i < a.tags.length; i++) if (a.tags[i] !== b.tags[i]) return false;
  const aKeys = Object.keys(a.meta);
  if (aKeys.length !== Object.keys(b.meta).length) return false;
  for (const key of aKeys) {
    if (!Object.hasOwn(b.meta, key) || a.meta[key] !== b.meta[key]) return false;
  }
  return true;
}
