import { RandomBalancer } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { instances, seededRandom } from './support.js';

const ctx = { service: 'svc' };

describe('RandomBalancer', () => {
  it('picks uniformly with the injected source', () => {
    const balancer = new RandomBalancer({ random: seededRandom(1) });
    const list = instances(5);
    const counts = new Map<string, number>();
    const picks = 100_000;
    for (let i = 0; i < picks; i++) {
      const id = balancer.pick(list, ctx).id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.size).toBe(5);
    // Expected 20 000 each; 5 standard deviations is about 630.
    for (const count of counts.values()) expect(Math.abs(count - picks / 5)).toBeLessThan(630);
  });

  it('maps the source value to a position', () => {
    const list = instances(4);
    expect(new RandomBalancer({ random: () => 0 }).pick(list, ctx).id).toBe('i0');
    expect(new RandomBalancer({ random: () => 0.5 }).pick(list, ctx).id).toBe('i2');
    expect(new RandomBalancer({ random: () => 0.9999 }).pick(list, ctx).id).toBe('i3');
  });

  it('stays in range when the source misbehaves', () => {
    const list = instances(4);
    for (const value of [1, 7, -0.5, Number.NaN]) {
      expect(list).toContain(new RandomBalancer({ random: () => value }).pick(list, ctx));
    }
  });

  it('never picks a zero-weight instance while another has weight', () => {
    const balancer = new RandomBalancer({ random: seededRandom(2) });
    const list = instances(4, [0, 1, 0, 3]);
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) seen.add(balancer.pick(list, ctx).id);
    expect([...seen].sort()).toEqual(['i1', 'i3']);
  });

  it('uses every instance when all weights are 0', () => {
    const balancer = new RandomBalancer({ random: seededRandom(3) });
    const list = instances(3, [0, 0, 0]);
    const seen = new Set<string>();
    for (let i = 0; i < 1_000; i++) seen.add(balancer.pick(list, ctx).id);
    expect(seen.size).toBe(3);
  });
});
