import {
  BALANCER_NAMES,
  type Balancer,
  type BalancerName,
  createBalancer,
  createInstance,
  type Instance,
} from '@switchyard/core';
import { isNoInstancesError } from '@switchyard/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock, seededRandom } from './support.js';

/** Instances with ids from a small pool (so duplicates happen) and weights including 0. */
const instanceArb = fc
  .record({
    id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
    port: fc.integer({ min: 1, max: 65_535 }),
    weight: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 100, noNaN: true })),
  })
  .map(({ id, port, weight }) => createInstance({ id, host: '10.0.0.1', port, weight }, 'svc'));

const listArb = fc.oneof(
  fc.constant([] as Instance[]),
  fc.array(instanceArb, { minLength: 1, maxLength: 1 }),
  fc.array(instanceArb, { minLength: 2, maxLength: 24 }),
);

const stepArb = fc.record({
  list: listArb,
  key: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
  latencyMs: fc.double({ min: 0, max: 5_000, noNaN: true }),
  ok: fc.boolean(),
  advanceMs: fc.integer({ min: 0, max: 20_000 }),
  finish: fc.boolean(),
});

function make(name: BalancerName, seed: number, clock: FakeClock): Balancer {
  const random = seededRandom(seed);
  switch (name) {
    case 'random':
      return createBalancer('random', { random });
    case 'least-request':
      return createBalancer('least-request', { random });
    case 'peak-ewma':
      return createBalancer('peak-ewma', { random, clock });
    case 'consistent-hash':
      return createBalancer('consistent-hash', { tableSize: 251 });
    default:
      return createBalancer(name);
  }
}

describe.each(BALANCER_NAMES)('%s balancer properties', (name) => {
  it('always returns one of the given instances, never a zero-weight one while another has weight, and throws NoInstancesError for none', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(stepArb, { minLength: 1, maxLength: 30 }), (seed, steps) => {
        const clock = new FakeClock();
        const balancer = make(name, seed, clock);
        const inFlight: Instance[] = [];
        for (const step of steps) {
          clock.advance(step.advanceMs);
          const ctx = step.key === undefined ? { service: 'svc' } : { service: 'svc', key: step.key };
          if (step.list.length === 0) {
            let error: unknown;
            try {
              balancer.pick(step.list, ctx);
            } catch (e) {
              error = e;
            }
            expect(isNoInstancesError(error)).toBe(true);
            continue;
          }
          const picked = balancer.pick(step.list, ctx);
          expect(step.list).toContain(picked);
          if (step.list.some((i) => i.weight > 0) && step.list.length > 1) expect(picked.weight).toBeGreaterThan(0);
          balancer.onCallStart?.(picked);
          inFlight.push(picked);
          if (step.finish) {
            const done = inFlight.shift() as Instance;
            balancer.onCallEnd?.(done, { latencyMs: step.latencyMs, ok: step.ok });
          }
          if (step.advanceMs > 15_000) balancer.retain?.(step.list);
        }
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  it('returns the single instance of a one-element list whatever its weight', () => {
    fc.assert(
      fc.property(fc.integer(), instanceArb, fc.option(fc.string(), { nil: undefined }), (seed, instance, key) => {
        const balancer = make(name, seed, new FakeClock());
        const ctx = key === undefined ? { service: 'svc' } : { service: 'svc', key };
        expect(balancer.pick([instance], ctx)).toBe(instance);
      }),
      { numRuns: 100, seed: 43 },
    );
  });
});
