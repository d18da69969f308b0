import type { Instance } from '../Instance.js';

/**
 * What watchers see while a restarted agent is being repopulated: the agent's answer,
 * plus each `held` instance (known before the restart) that is not back yet, as it was
 * known. An instance counts as back when the answer lists it, and not critical unless it
 * was critical already (a check registered again starts critical until it first runs).
 * Returns `undefined` once every held instance is back: the answer alone is the truth.
 * Sorted by id, like `toInstances`.
 */
export function heldInstances(held: readonly Instance[], fresh: readonly Instance[]): Instance[] | undefined {
  const answered = new Map(fresh.map((instance) => [instance.id, instance]));
  const missing = new Set<string>();
  for (const instance of held) {
    const now = answered.get(instance.id);
    if (now === undefined || (now.health === 'critical' && instance.health !== 'critical')) missing.add(instance.id);
  }
  if (missing.size === 0) return undefined;
  const merged = [
    ...fresh.filter((instance) => !missing.has(instance.id)),
    ...held.filter((instance) => missing.has(instance.id)),
  ];
  return merged.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
