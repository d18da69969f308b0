import { type Balancer, type Instance, LeastRequestBalancer, RandomBalancer } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { instances, seededRandom } from './support.js';

const ctx = { service: 'svc' };
const ok = { latencyMs: 1, ok: true };

/**
 * Keeps `concurrency` calls in flight over `list`: whenever the limit is reached one
 * call, chosen by a seeded random, completes. Returns the mean and the largest spread
 * (max − min in-flight over the instances) seen after each new call.
 */
function simulate(balancer: Balancer, list: readonly Instance[], seed: number, concurrency: number, steps = 20_000) {
  const random = seededRandom(seed);
  const inFlight = new Map(list.map((i) => [i, 0]));
  const active: Instance[] = [];
  let spreadSum = 0;
  let spreadMax = 0;
  let samples = 0;
  for (let step = 0; step < steps; step++) {
    if (active.length < concurrency) {
      const instance = balancer.pick(list, ctx);
      balancer.onCallStart?.(instance);
      inFlight.set(instance, (inFlight.get(instance) ?? 0) + 1);
      active.push(instance);
      if (step < steps / 10) continue; // let it fill up first
      const counts = [...inFlight.values()];
      const spread = Math.max(...counts) - Math.min(...counts);
      spreadSum += spread;
      spreadMax = Math.max(spreadMax, spread);
      samples++;
    } else {
      const index = Math.floor(random() * active.length);
      const done = active[index] as Instance;
      active[index] = active[active.length - 1] as Instance;
      active.pop();
      inFlight.set(done, (inFlight.get(done) ?? 0) - 1);
      balancer.onCallEnd?.(done, ok);
    }
  }
  return { meanSpread: spreadSum / samples, maxSpread: spreadMax, inFlight };
}

describe('LeastRequestBalancer', () => {
  it('keeps in-flight counts much closer together than random does', () => {
    const list = instances(10);
    for (const seed of [5, 6, 7]) {
      // 200 calls in flight over 10 instances, completing in a seeded random order.
      const p2c = simulate(new LeastRequestBalancer({ random: seededRandom(seed * 31) }), list, seed, 200);
      const random = simulate(new RandomBalancer({ random: seededRandom(seed * 31) }), list, seed, 200);
      // Measured over seeds 5-7: P2C mean spread 4.2-4.4, max 10-12; random mean 12.7-13.7, max 22-29.
      expect(p2c.meanSpread).toBeLessThan(random.meanSpread / 2.5);
      expect(p2c.maxSpread).toBeLessThan(random.maxSpread);
      expect(p2c.meanSpread).toBeLessThan(6);
    }
  });

  it('counts what onCallStart and onCallEnd report', () => {
    const balancer = new LeastRequestBalancer({ random: seededRandom(1) });
    const [a, b] = instances(2) as [Instance, Instance];
    balancer.onCallStart(a);
    balancer.onCallStart(a);
    balancer.onCallEnd(a, ok);
    expect(balancer.pending(a)).toBe(1);
    expect(balancer.pending(b)).toBe(0);
    // With both sampled, the one with fewer calls in flight wins every time.
    for (let i = 0; i < 20; i++) expect(balancer.pick([a, b], ctx)).toBe(b);
    balancer.onCallEnd(b, ok); // an end without a start must not go negative
    expect(balancer.pending(b)).toBe(0);
  });

  it('weights scale capacity: weight 2 carries about twice the in-flight calls', () => {
    const list = instances(4, [2, 1, 1, 1]);
    const { inFlight } = simulate(new LeastRequestBalancer({ random: seededRandom(3) }), list, 9, 50);
    const heavy = inFlight.get(list[0] as Instance) ?? 0;
    const light = [1, 2, 3].map((i) => inFlight.get(list[i] as Instance) ?? 0);
    for (const count of light) expect(heavy).toBeGreaterThanOrEqual(count * 1.5 - 1);
  });

  it('returns the only instance without consulting the random source', () => {
    let calls = 0;
    const balancer = new LeastRequestBalancer({
      random: () => {
        calls++;
        return 0.5;
      },
    });
    const [only] = instances(1);
    expect(balancer.pick([only as Instance], ctx)).toBe(only);
    expect(calls).toBe(0);
  });

  it('retain forgets instances that left, and late ends for them are ignored', () => {
    const balancer = new LeastRequestBalancer();
    const [a, b] = instances(2) as [Instance, Instance];
    balancer.onCallStart(a);
    balancer.onCallStart(b);
    balancer.retain([b]);
    expect(balancer.pending(a)).toBe(0);
    expect(balancer.pending(b)).toBe(1);
    balancer.onCallEnd(a, ok);
    expect(balancer.pending(a)).toBe(0);
  });

  it('keeps in-flight state per service even when ids repeat across services', () => {
    const balancer = new LeastRequestBalancer();
    const [cart] = instances(1, [], 'cart') as [Instance];
    const [user] = instances(1, [], 'user') as [Instance];
    expect(cart.id).toBe(user.id);
    balancer.onCallStart(cart);
    expect(balancer.pending(cart)).toBe(1);
    expect(balancer.pending(user)).toBe(0);
  });
});
