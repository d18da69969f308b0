// Issue 8, "smaller divergences from the docs": the Maglev table's size and when it is built.
import { ConsistentHashBalancer, createInstance, type Instance } from '@switchyard/core';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { buildMaglevTable } from '../../src/balancer/buildMaglevTable.js';
import { instances } from './support.js';

// Count table builds by wrapping the real builder.
vi.mock('../../src/balancer/buildMaglevTable.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/balancer/buildMaglevTable.js')>();
  return { buildMaglevTable: vi.fn(original.buildMaglevTable) };
});
const builds = vi.mocked(buildMaglevTable);

const keys = Array.from({ length: 20_000 }, (_, k) => `user-${k}`);
const pickedIds = (balancer: ConsistentHashBalancer, list: readonly Instance[]): Set<string> =>
  new Set(keys.map((key) => balancer.pick(list, { service: 'svc', key }).id));
const slots = (balancer: ConsistentHashBalancer): number[] => [...balancer.shares('svc').values()];

beforeEach(() => {
  builds.mockClear();
});

describe('divergence: a Maglev table smaller than the fleet left instances without keys', () => {
  it('grows the table to the smallest prime >= 10 × the fleet, so every instance gets keys', () => {
    const balancer = new ConsistentHashBalancer({ tableSize: 7 });
    const fleet = instances(20);
    expect(pickedIds(balancer, fleet).size).toBe(20);
    const shares = slots(balancer);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(211); // the smallest prime >= 200
    expect(Math.min(...shares)).toBeGreaterThanOrEqual(10); // 211 / 20: 10 or 11 slots each
    expect(Math.max(...shares)).toBeLessThanOrEqual(11);
  });

  it('grows as the fleet grows past the configured size, and keeps the configured size while it fits', () => {
    const balancer = new ConsistentHashBalancer({ tableSize: 1_009 });
    const fleet = instances(300);
    balancer.retain(fleet.slice(0, 100)); // 1 009 >= 10 × 100
    expect(slots(balancer).reduce((a, b) => a + b, 0)).toBe(1_009);
    balancer.retain(fleet); // 3 000 wanted
    expect(slots(balancer).reduce((a, b) => a + b, 0)).toBe(3_001);
    expect(pickedIds(balancer, fleet).size).toBe(300);
    expect(Math.min(...slots(balancer))).toBe(10);
  });

  it('maps keys alike in every client with the same membership, grown or not', () => {
    const fleet = instances(50);
    const a = new ConsistentHashBalancer({ tableSize: 101 });
    const b = new ConsistentHashBalancer({ tableSize: 101 });
    b.retain(fleet.slice(0, 5));
    b.retain(fleet);
    const route = (balancer: ConsistentHashBalancer) =>
      keys.map((key) => balancer.pick(fleet, { service: 'svc', key }).id);
    expect(route(b)).toEqual(route(a));
  });

  it('still refuses a table size that is not a prime', () => {
    expect(() => new ConsistentHashBalancer({ tableSize: 1_000 })).toThrow(/consistentHash\.tableSize/);
  });
});

describe('divergence: the first pick paid the Maglev build although retain should', () => {
  it('retain builds the table of a service never picked from, and the picks that follow build nothing', () => {
    const balancer = new ConsistentHashBalancer({ tableSize: 1_009 });
    const fleet = instances(8);
    balancer.retain(fleet);
    expect(builds).toHaveBeenCalledTimes(1);
    for (const key of keys.slice(0, 100)) balancer.pick(fleet, { service: 'svc', key });
    balancer.pick(fleet.slice(1), { service: 'svc', key: 'k' }); // an ejection: served from the same table
    expect(builds).toHaveBeenCalledTimes(1);
  });

  it('builds one table per service of a shared balancer, and none for a single instance', () => {
    const balancer = new ConsistentHashBalancer({ tableSize: 1_009 });
    const a = instances(4, [], 'a');
    const b = instances(6, [], 'b');
    const lone = [createInstance({ id: 'only', host: '10.0.0.2', port: 1 }, 'lone')];
    balancer.retain([...a, ...b, ...lone]);
    expect(builds).toHaveBeenCalledTimes(2);
    balancer.pick(a, { service: 'a', key: 'k' });
    balancer.pick(b, { service: 'b', key: 'k' });
    expect(balancer.pick(lone, { service: 'lone', key: 'k' }).id).toBe('only');
    expect(builds).toHaveBeenCalledTimes(2);
  });
});
