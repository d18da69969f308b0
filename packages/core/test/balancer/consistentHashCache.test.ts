import { ConsistentHashBalancer, createInstance } from '@switchyard/core';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { buildMaglevTable } from '../../src/balancer/buildMaglevTable.js';
import { instances, seededRandom, shuffled } from './support.js';

// Count table builds by wrapping the real builder.
vi.mock('../../src/balancer/buildMaglevTable.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/balancer/buildMaglevTable.js')>();
  return { buildMaglevTable: vi.fn(original.buildMaglevTable) };
});

const builds = vi.mocked(buildMaglevTable);

describe('ConsistentHashBalancer table cache', () => {
  beforeEach(() => {
    builds.mockClear();
  });

  it('builds once per distinct set of (id, weight), not per list array', () => {
    const balancer = new ConsistentHashBalancer({ tableSize: 1009 });
    const pick = (list: ReturnType<typeof instances>) => balancer.pick(list, { service: 'svc', key: 'k' });
    const list = instances(8);
    for (let i = 0; i < 100; i++) pick(list);
    expect(builds).toHaveBeenCalledTimes(1);

    pick(list.map((i) => createInstance({ ...i }, 'svc'))); // same members, new objects
    pick(shuffled(list, seededRandom(1))); // same members, new order
    pick([...list, createInstance({ id: 'drained', host: 'h', port: 1, weight: 0 }, 'svc')]); // gets no keys anyway
    pick([...list, list[0] as (typeof list)[number]]); // a duplicate adds no backend
    expect(builds).toHaveBeenCalledTimes(1);

    pick(list.slice(1)); // one ejected: a subset is served from the same table
    pick(list.slice(0, 4)); // half of them: still a subset
    expect(builds).toHaveBeenCalledTimes(1);

    pick(list.slice(0, 3)); // fewer than half: rebuilt over the list
    expect(builds).toHaveBeenCalledTimes(2);
    pick([...list, createInstance({ id: 'new', host: 'h', port: 2 }, 'svc')]); // an unknown id
    expect(builds).toHaveBeenCalledTimes(3);
    pick(list.map((i, k) => (k === 3 ? createInstance({ ...i, weight: 2 }, 'svc') : i))); // a weight changed
    expect(builds).toHaveBeenCalledTimes(4);
  });

  it('rebuilds on a membership change reported through retain, not on the next pick', () => {
    const balancer = new ConsistentHashBalancer({ tableSize: 1009 });
    const list = instances(8);
    balancer.pick(list, { service: 'svc', key: 'k' });
    balancer.retain(list); // same membership
    balancer.pick(list, { service: 'svc', key: 'k' });
    expect(builds).toHaveBeenCalledTimes(1);
    const smaller = list.slice(1);
    balancer.retain(smaller);
    expect(builds).toHaveBeenCalledTimes(2);
    for (let i = 0; i < 10; i++) balancer.pick(smaller, { service: 'svc', key: `k${i}` });
    expect(builds).toHaveBeenCalledTimes(2);
  });

  it('keeps one table per service', () => {
    const balancer = new ConsistentHashBalancer({ tableSize: 1009 });
    const a = instances(4, [], 'a');
    const b = instances(6, [], 'b');
    for (let i = 0; i < 10; i++) {
      balancer.pick(a, { service: 'a', key: `k${i}` });
      balancer.pick(b, { service: 'b', key: `k${i}` });
    }
    expect(builds).toHaveBeenCalledTimes(2);
  });
});
