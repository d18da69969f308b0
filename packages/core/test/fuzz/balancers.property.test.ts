// Case 13: balancer options, and weights whose total overflows a double.
import {
  BALANCER_NAMES,
  createBalancer,
  createInstance,
  PeakEwmaBalancer,
  RandomBalancer,
  SmoothWeightedBalancer,
} from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { at, badChoice, badNumber, junk, optionProperties, SEED } from './support.js';

describe('case 13: createBalancer(name, options)', () => {
  const valid = fc.oneof(
    fc.record({ name: fc.constantFrom('round-robin', 'weighted' as const) }),
    fc.record({
      name: fc.constantFrom('random', 'least-request' as const),
      options: fc.record({ random: fc.constant(() => 0.5) }, { requiredKeys: [] }),
    }),
    fc.record({
      name: fc.constant('peak-ewma' as const),
      options: fc.record(
        {
          decayMs: fc.double({ min: 0.001, max: 1e6, noNaN: true }),
          defaultRttMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
          clock: fc.constant({ now: () => 0 }),
          random: fc.constant(() => 0.5),
        },
        { requiredKeys: [] },
      ),
    }),
    fc.record({
      name: fc.constant('consistent-hash' as const),
      options: fc.record({ tableSize: fc.constantFrom(13, 65_537) }, { requiredKeys: [] }),
    }),
  );
  optionProperties({
    valid,
    build: (o: { name: (typeof BALANCER_NAMES)[number]; options?: object }) =>
      createBalancer(o.name, o.options as never),
    invalid: fc.oneof(
      at(['name'], badChoice(BALANCER_NAMES), 'balancer'),
      // Strategies without options refuse any key; the error names the strategy's option.
      fc
        .tuple(
          fc.constantFrom(
            ['round-robin', 'roundRobin'],
            ['weighted', 'weighted'],
            ['random', 'random'],
            ['least-request', 'leastRequest'],
            ['peak-ewma', 'peakEwma'],
            ['consistent-hash', 'consistentHash'],
          ),
          junk('object'),
        )
        .map(([[name, prefix], value]) => ({ path: [], value: { name, options: value }, option: prefix as string })),
      fc
        .tuple(
          fc.constantFrom(
            ['round-robin', 'roundRobin', []],
            ['weighted', 'weighted', []],
            ['random', 'random', ['random']],
            ['least-request', 'leastRequest', ['random']],
            ['peak-ewma', 'peakEwma', ['decayMs', 'defaultRttMs', 'clock', 'random']],
            ['consistent-hash', 'consistentHash', ['tableSize']],
          ),
          fc.stringMatching(/^[a-z]{1,6}$/).map((k) => `zz${k}`),
        )
        .map(([[name, prefix, _known], key]) => ({
          path: [],
          value: { name, options: { [key]: 1 } },
          option: `${prefix as string}.${key}`,
        })),
      fc.tuple(fc.constantFrom('random', 'least-request'), junk('function')).map(([name, value]) => ({
        path: [],
        value: { name, options: { random: value } },
        option: `${name === 'random' ? 'random' : 'leastRequest'}.random`,
      })),
      at(
        ['options', 'decayMs'],
        badNumber(0, Number.POSITIVE_INFINITY, { minExclusive: true }),
        'peakEwma.decayMs',
      ).map((i) => ({ ...i, path: [], value: { name: 'peak-ewma', options: { decayMs: i.value } } })),
      at(['x'], badNumber(0, Number.POSITIVE_INFINITY), 'peakEwma.defaultRttMs').map((i) => ({
        ...i,
        path: [],
        value: { name: 'peak-ewma', options: { defaultRttMs: i.value } },
      })),
      at(['x'], fc.oneof(junk('object'), fc.constant({})), 'peakEwma.clock').map((i) => ({
        ...i,
        path: [],
        value: { name: 'peak-ewma', options: { clock: i.value } },
      })),
      at(
        ['x'],
        fc.oneof(junk('number'), fc.constantFrom(-7, 0, 1, 4, 9, 12, 2.5), fc.constantFrom(14, 15, 65_536)),
        'consistentHash.tableSize',
      ).map((i) => ({ ...i, path: [], value: { name: 'consistent-hash', options: { tableSize: i.value } } })),
    ),
  });

  it('names the constructors the same way', () => {
    expect(() => new RandomBalancer({ zz: 1 } as never)).toThrow(/"random\.zz"/);
    expect(() => new PeakEwmaBalancer({ decayMs: 0 })).toThrow(/"peakEwma\.decayMs"/);
    expect(() => new SmoothWeightedBalancer(null as never)).toThrow(/"weighted"/);
  });
});

describe('case 13: weighted balancer with weights whose total overflows', () => {
  const ctx = { service: 'svc' };
  const instancesOf = (weights: readonly number[]) =>
    weights.map((weight, i) => createInstance({ id: `i${i}`, host: '10.0.0.1', port: 1000 + i, weight }, 'svc'));

  it('two weights of 1e308 share evenly instead of a pick returning undefined', () => {
    const balancer = new SmoothWeightedBalancer();
    const list = instancesOf([1e308, 1e308]);
    const ids = Array.from({ length: 6 }, () => balancer.pick(list, ctx)?.id);
    expect(ids).toEqual(['i0', 'i1', 'i0', 'i1', 'i0', 'i1']);
  });

  it('any finite weights: every pick is an instance with weight, shares within one pick of the weights', () => {
    const weight = fc.oneof(
      fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }),
      fc.constantFrom(0, 1, 1e308, Number.MAX_VALUE, 2 ** 53, 2 ** 53 + 2),
    );
    fc.assert(
      fc.property(fc.array(weight, { minLength: 2, maxLength: 5 }), (weights) => {
        const balancer = new SmoothWeightedBalancer();
        const list = instancesOf(weights);
        const counts = new Map<string, number>();
        const picks = 200;
        for (let i = 0; i < picks; i++) {
          const picked = balancer.pick(list, ctx);
          expect(picked).toBeDefined();
          counts.set(picked.id, (counts.get(picked.id) ?? 0) + 1);
        }
        const max = Math.max(...weights);
        if (max === 0) {
          // Every weight 0: plain round-robin, each within one pick of an equal share.
          weights.forEach((_, i) => {
            expect(Math.abs((counts.get(`i${i}`) ?? 0) - picks / weights.length)).toBeLessThanOrEqual(1);
          });
          return;
        }
        // Shares by the weights scaled to the largest (what the balancer does): no overflow in the test either.
        const scaled = weights.map((w) => w / max);
        const total = scaled.reduce((a, b) => a + b, 0);
        scaled.forEach((w, i) => {
          const expected = (picks * w) / total;
          expect(Math.abs((counts.get(`i${i}`) ?? 0) - expected)).toBeLessThanOrEqual(1 + picks * 1e-9);
        });
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
