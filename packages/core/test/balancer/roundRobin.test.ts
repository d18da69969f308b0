import { RoundRobinBalancer } from '@switchyard/core';
import { isNoInstancesError } from '@switchyard/core/internal';
import { describe, expect, it } from 'vitest';
import { instances } from './support.js';

const ctx = { service: 'svc' };

function ids(balancer: RoundRobinBalancer, list: ReturnType<typeof instances>, count: number, service = 'svc'): string {
  return Array.from({ length: count }, () => balancer.pick(list, { service }).id).join(' ');
}

describe('RoundRobinBalancer', () => {
  it('hands out instances in list order, wrapping around', () => {
    const balancer = new RoundRobinBalancer();
    expect(ids(balancer, instances(3), 7)).toBe('i0 i1 i2 i0 i1 i2 i0');
  });

  it('keeps one cursor per service', () => {
    const balancer = new RoundRobinBalancer();
    const a = instances(3, [], 'a');
    const b = instances(2, [], 'b');
    expect(balancer.pick(a, { service: 'a' }).id).toBe('i0');
    expect(balancer.pick(b, { service: 'b' }).id).toBe('i0');
    expect(balancer.pick(a, { service: 'a' }).id).toBe('i1');
    expect(balancer.pick(b, { service: 'b' }).id).toBe('i1');
    expect(balancer.pick(a, { service: 'a' }).id).toBe('i2');
  });

  it('carries on modulo the new length when the list shrinks or grows', () => {
    const balancer = new RoundRobinBalancer();
    const four = instances(4);
    expect(ids(balancer, four, 3)).toBe('i0 i1 i2');
    // The cursor is at 3; with 2 instances it continues at 3 mod 2 = 1, then wraps.
    expect(ids(balancer, four.slice(0, 2), 3)).toBe('i1 i0 i1');
    expect(ids(balancer, instances(5), 5)).toBe('i2 i3 i4 i0 i1');
  });

  it('skips zero-weight instances, and rotates over all when every weight is 0', () => {
    const balancer = new RoundRobinBalancer();
    expect(ids(balancer, instances(4, [1, 0, 2, 0]), 4)).toBe('i0 i2 i0 i2');
    expect(ids(new RoundRobinBalancer(), instances(3, [0, 0, 0]), 4)).toBe('i0 i1 i2 i0');
  });

  it('throws NoInstancesError naming the service for an empty list', () => {
    const error = (() => {
      try {
        new RoundRobinBalancer().pick([], { service: 'cart' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isNoInstancesError(error)).toBe(true);
    expect((error as { service: string }).service).toBe('cart');
  });

  it('treats duplicate ids as separate positions', () => {
    const list = instances(2);
    const withDuplicate = [list[0], list[1], list[0]] as typeof list;
    const balancer = new RoundRobinBalancer();
    const picked = Array.from({ length: 6 }, () => balancer.pick(withDuplicate, ctx));
    expect(picked.filter((i) => i.id === 'i0')).toHaveLength(4);
    expect(picked.filter((i) => i.id === 'i1')).toHaveLength(2);
  });
});
