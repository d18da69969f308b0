import { type Health, type InstanceFilter, type InstanceInput, StaticRegistry } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flush, type Recording, record } from './support.js';

const SERVICES = ['cart', 'orders'] as const;
const HEALTHS: readonly Health[] = ['passing', 'warning', 'critical'];
const FILTERS: ReadonlyArray<InstanceFilter | undefined> = [
  undefined,
  { tags: ['canary'] },
  { zone: 'a', health: ['passing'] },
  { health: ['passing', 'warning', 'critical'] },
];

// A small pool of ids so operations collide often (replace, deregister, health flips).
const instanceArb = fc.record({
  id: fc.constantFrom('i1', 'i2', 'i3', 'i4'),
  port: fc.integer({ min: 1, max: 3 }),
  zone: fc.constantFrom('a', 'b'),
  tags: fc.subarray(['canary', 'v2']),
  health: fc.constantFrom(...HEALTHS),
});

type Op =
  | { kind: 'set'; service: (typeof SERVICES)[number]; instances: InstanceInput[] }
  | { kind: 'register'; service: (typeof SERVICES)[number]; instance: InstanceInput }
  | { kind: 'deregister'; id: string }
  | { kind: 'health'; id: string; health: Health };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    service: fc.constantFrom(...SERVICES),
    instances: fc
      .uniqueArray(instanceArb, { selector: (i) => i.id, maxLength: 4 })
      .map((list) => list.map((i) => ({ ...i, host: 'h' }))),
  }),
  fc.record({
    kind: fc.constant('register' as const),
    service: fc.constantFrom(...SERVICES),
    instance: instanceArb.map((i) => ({ ...i, host: 'h' })),
  }),
  fc.record({ kind: fc.constant('deregister' as const), id: fc.constantFrom('i1', 'i2', 'i3', 'i4', 'nope') }),
  fc.record({
    kind: fc.constant('health' as const),
    id: fc.constantFrom('i1', 'i2'),
    health: fc.constantFrom(...HEALTHS),
  }),
);

/** Applies `op`; operations the registry rightly refuses (id owned by another service, unknown id) are skipped. */
async function apply(registry: StaticRegistry, op: Op): Promise<void> {
  try {
    if (op.kind === 'set') registry.set(op.service, op.instances);
    else if (op.kind === 'register') await registry.register({ ...op.instance, service: op.service });
    else if (op.kind === 'deregister') await registry.deregister(op.id);
    else registry.setHealth(op.id, op.health);
  } catch {
    // Refusals must leave the registry unchanged; the invariants below check its state either way.
  }
}

describe('StaticRegistry invariants', () => {
  it('versions only grow, watchers see increasing versions and end on what resolve returns', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 25 }), async (ops) => {
        const registry = new StaticRegistry();
        const watchers: Array<{ service: string; filter: InstanceFilter | undefined; recording: Recording }> = [];
        for (const service of SERVICES) {
          for (const filter of FILTERS)
            watchers.push({ service, filter, recording: record(registry, service, filter) });
        }
        await flush();
        const versions = new Map<string, number>();
        for (const op of ops) {
          await apply(registry, op);
          for (const service of SERVICES) {
            const all = await registry.resolve(service, { health: HEALTHS });
            const previous = versions.get(service) ?? 0;
            expect(all.version).toBeGreaterThanOrEqual(previous);
            versions.set(service, all.version);
          }
        }
        const seenIds = new Map<string, string>();
        for (const { service, filter, recording } of watchers) {
          const delivered = recording.snapshots.map((s) => s.version);
          for (let i = 1; i < delivered.length; i++) expect(delivered[i]).toBeGreaterThan(delivered[i - 1] as number);
          const current = await registry.resolve(service, filter);
          expect(recording.last()?.instances).toEqual(current.instances);
          // Consecutive deliveries always differ in what this watcher can see.
          const views = recording.snapshots.map((s) => JSON.stringify(s.instances));
          for (let i = 1; i < views.length; i++) expect(views[i]).not.toBe(views[i - 1]);
          // Ids stay unique across the registry.
          for (const instance of (await registry.resolve(service, { health: HEALTHS })).instances) {
            expect(seenIds.get(instance.id) ?? service).toBe(service);
            seenIds.set(instance.id, service);
          }
        }
        await registry.close();
      }),
      { numRuns: 150, seed: 20_240_611 },
    );
  });
});
