import { oneOf } from '../common/validate.js';
import { ConsistentHashBalancer, type ConsistentHashOptions } from './ConsistentHashBalancer.js';
import { LeastRequestBalancer, type LeastRequestOptions } from './LeastRequestBalancer.js';
import { PeakEwmaBalancer, type PeakEwmaOptions } from './PeakEwmaBalancer.js';
import { RandomBalancer, type RandomOptions } from './RandomBalancer.js';
import { RoundRobinBalancer, type RoundRobinOptions } from './RoundRobinBalancer.js';
import { SmoothWeightedBalancer, type SmoothWeightedOptions } from './SmoothWeightedBalancer.js';

/** Every balancing strategy by its configuration name. */
export const BALANCER_NAMES = [
  'round-robin',
  'random',
  'weighted',
  'least-request',
  'peak-ewma',
  'consistent-hash',
] as const;

export type BalancerName = (typeof BALANCER_NAMES)[number];

/** The options each strategy takes. */
export interface BalancerOptionsByName {
  'round-robin': RoundRobinOptions;
  random: RandomOptions;
  weighted: SmoothWeightedOptions;
  'least-request': LeastRequestOptions;
  'peak-ewma': PeakEwmaOptions;
  'consistent-hash': ConsistentHashOptions;
}

/** The class behind each strategy name. */
export interface BalancerByName {
  'round-robin': RoundRobinBalancer;
  random: RandomBalancer;
  weighted: SmoothWeightedBalancer;
  'least-request': LeastRequestBalancer;
  'peak-ewma': PeakEwmaBalancer;
  'consistent-hash': ConsistentHashBalancer;
}

// Indexing this mapped type with a generic name keeps the name-to-class correlation,
// so createBalancer needs no cast per strategy.
const CONSTRUCTORS: {
  readonly [N in BalancerName]: new (
    options?: BalancerOptionsByName[N],
  ) => BalancerByName[N];
} = {
  'round-robin': RoundRobinBalancer,
  random: RandomBalancer,
  weighted: SmoothWeightedBalancer,
  'least-request': LeastRequestBalancer,
  'peak-ewma': PeakEwmaBalancer,
  'consistent-hash': ConsistentHashBalancer,
};

/**
 * Creates a balancer from configuration. Throws `ConfigError` naming `balancer` for an
 * unknown name, and naming the option (e.g. `peakEwma.decayMs`) for a bad option.
 */
export function createBalancer<N extends BalancerName>(name: N, options?: BalancerOptionsByName[N]): BalancerByName[N] {
  const Strategy = CONSTRUCTORS[oneOf('balancer', name, BALANCER_NAMES) as N];
  return new Strategy(options);
}
