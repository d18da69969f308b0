import {
  BALANCER_NAMES,
  type BalancerName,
  ConsistentHashBalancer,
  createBalancer,
  LeastRequestBalancer,
  PeakEwmaBalancer,
  RandomBalancer,
  RoundRobinBalancer,
  SmoothWeightedBalancer,
} from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { configErrorOf } from '../../../../test/support/configError.js';

describe('createBalancer', () => {
  it('creates each strategy under its name', () => {
    const classes = {
      'round-robin': RoundRobinBalancer,
      random: RandomBalancer,
      weighted: SmoothWeightedBalancer,
      'least-request': LeastRequestBalancer,
      'peak-ewma': PeakEwmaBalancer,
      'consistent-hash': ConsistentHashBalancer,
    } as const;
    expect([...BALANCER_NAMES].sort()).toEqual(Object.keys(classes).sort());
    for (const name of BALANCER_NAMES) {
      const balancer = createBalancer(name);
      expect(balancer).toBeInstanceOf(classes[name]);
      expect(balancer.name).toBe(name);
    }
  });

  it('rejects an unknown name with a ConfigError naming "balancer" and the choices', () => {
    const error = configErrorOf(() => createBalancer('fastest' as BalancerName));
    expect(error.option).toBe('balancer');
    expect(error.received).toBe('fastest');
    for (const name of BALANCER_NAMES) expect(error.allowed).toContain(name);
  });

  it.each([
    ['peak-ewma', { decayMs: 0 }, 'peakEwma.decayMs'],
    ['peak-ewma', { decayMs: -5 }, 'peakEwma.decayMs'],
    ['peak-ewma', { decayMs: Number.POSITIVE_INFINITY }, 'peakEwma.decayMs'],
    ['peak-ewma', { defaultRttMs: -1 }, 'peakEwma.defaultRttMs'],
    ['peak-ewma', { clock: { now: 5 } }, 'peakEwma.clock'],
    ['peak-ewma', { random: 0.5 }, 'peakEwma.random'],
    ['peak-ewma', { decayMS: 1_000 }, 'peakEwma.decayMS'],
    ['least-request', { random: 'no' }, 'leastRequest.random'],
    ['random', { random: null }, 'random.random'],
    ['consistent-hash', { tableSize: 65_536 }, 'consistentHash.tableSize'],
    ['consistent-hash', { tableSize: 1.5 }, 'consistentHash.tableSize'],
    ['consistent-hash', { tableSize: 1 }, 'consistentHash.tableSize'],
    ['consistent-hash', { tableSize: 100_000_007 }, 'consistentHash.tableSize'],
    ['round-robin', { start: 1 }, 'roundRobin.start'],
    ['weighted', { smooth: true }, 'weighted.smooth'],
    ['weighted', 'fast', 'weighted'],
  ] as const)('%s with %o throws a ConfigError naming %s', (name, options, option) => {
    const error = configErrorOf(() => createBalancer(name as BalancerName, options as never));
    expect(error.option).toBe(option);
  });

  it('accepts valid options', () => {
    expect(createBalancer('consistent-hash', { tableSize: 655_373 }).tableSize).toBe(655_373);
    expect(() => createBalancer('peak-ewma', { decayMs: 500, defaultRttMs: 0 })).not.toThrow();
    expect(() => createBalancer('round-robin', {})).not.toThrow();
  });
});
