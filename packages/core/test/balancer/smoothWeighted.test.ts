import { SmoothWeightedBalancer } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { instances, seededRandom } from './support.js';

const ctx = { service: 'svc' };

function sequence(weights: readonly number[], count: number): string[] {
  const balancer = new SmoothWeightedBalancer();
  const list = instances(weights.length, weights);
  return Array.from({ length: count }, () => balancer.pick(list, ctx).id);
}

/** Longest run of consecutive picks of the same instance. */
function longestRun(ids: readonly string[]): number {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < ids.length; i++) {
    run = i > 0 && ids[i] === ids[i - 1] ? run + 1 : 1;
    longest = Math.max(longest, run);
  }
  return longest;
}

describe('SmoothWeightedBalancer', () => {
  it("produces nginx's sequence for weights 5, 1, 1", () => {
    const names: Record<string, string> = { i0: 'a', i1: 'b', i2: 'c' };
    const picked = sequence([5, 1, 1], 14).map((id) => names[id]);
    expect(picked.join('')).toBe('aabacaa'.repeat(2));
  });

  it('matches the weights within 1% over 1M picks', () => {
    const weights = [5, 3, 1, 1, 0.5, 2.5];
    const total = weights.reduce((a, b) => a + b, 0);
    const balancer = new SmoothWeightedBalancer();
    const list = instances(weights.length, weights);
    const counts = new Map<string, number>();
    const picks = 1_000_000;
    for (let i = 0; i < picks; i++) {
      const id = balancer.pick(list, ctx).id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    weights.forEach((weight, i) => {
      const expected = (picks * weight) / total;
      expect(Math.abs((counts.get(`i${i}`) ?? 0) - expected) / expected).toBeLessThan(0.01);
    });
  });

  it('never bursts: every prefix is within one pick of the ideal share', () => {
    // The property that makes it "smooth": after t picks, instance i has been picked
    // t·w_i/W times give or take less than one. It bounds runs by 2W / (W - wMax);
    // the tighter ceil(wMax / (W - wMax)) + 1 holds unless several light instances come
    // due together (weights 100,1,1,1 give runs of 50, not 35).
    const random = seededRandom(7);
    const sets: number[][] = [
      [5, 1, 1],
      [10, 1],
      [3, 2, 1],
      [1, 1, 1, 1],
      [100, 1, 1, 1],
      [0.5, 0.25, 0.25],
    ];
    for (let s = 0; s < 40; s++) {
      sets.push(Array.from({ length: 2 + Math.floor(random() * 8) }, () => 1 + Math.floor(random() * 20)));
    }
    for (const weights of sets) {
      const total = weights.reduce((a, b) => a + b, 0);
      const max = Math.max(...weights);
      const picked = sequence(weights, 3_000);
      const counts = weights.map(() => 0);
      let lag = 0;
      picked.forEach((id, t) => {
        const index = Number(id.slice(1));
        counts[index] = (counts[index] ?? 0) + 1;
        weights.forEach((w, i) => {
          lag = Math.max(lag, Math.abs((counts[i] ?? 0) - ((t + 1) * w) / total));
        });
      });
      expect(lag, `weights ${weights.join(',')}`).toBeLessThan(1);
      expect(longestRun(picked), `weights ${weights.join(',')}`).toBeLessThanOrEqual(
        Math.floor((2 * total) / (total - max)),
      );
    }
    expect(longestRun(sequence([5, 1, 1], 700))).toBe(4); // aabacaa|aabacaa: the wrap joins two runs of 2
  });

  it('gives zero-weight instances nothing while another has weight', () => {
    const picked = sequence([0, 2, 0, 1], 3_000);
    expect(picked).not.toContain('i0');
    expect(picked).not.toContain('i2');
    expect(picked.filter((id) => id === 'i1')).toHaveLength(2_000);
  });

  it('behaves like round-robin when every weight is 0', () => {
    expect(sequence([0, 0, 0], 6).join(' ')).toBe('i0 i1 i2 i0 i1 i2');
  });

  it('follows a weight change (a new list with the same ids)', () => {
    const balancer = new SmoothWeightedBalancer();
    for (let i = 0; i < 10; i++) balancer.pick(instances(2, [1, 1]), ctx);
    const heavier = instances(2, [3, 1]);
    const picked = Array.from({ length: 400 }, () => balancer.pick(heavier, ctx).id);
    expect(picked.filter((id) => id === 'i0')).toHaveLength(300);
  });

  it('gives a duplicated id the sum of its weights', () => {
    const [a, b] = instances(2);
    const list = [a, b, a] as NonNullable<typeof a>[];
    const balancer = new SmoothWeightedBalancer();
    const picked = Array.from({ length: 300 }, () => balancer.pick(list, ctx).id);
    expect(picked.filter((id) => id === 'i0')).toHaveLength(200);
  });
});
