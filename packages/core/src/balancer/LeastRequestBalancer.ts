import type { RandomSource } from '../common/Clock.js';
import type { Instance } from '../registry/Instance.js';
import type { Balancer, CallOutcome, PickContext } from './Balancer.js';
import { balancerOptions, randomOption } from './balancerOptions.js';
import { IndexSource } from './IndexSource.js';
import { InstanceStates } from './InstanceStates.js';
import { TwoChoices } from './TwoChoices.js';

export interface LeastRequestOptions {
  /** Source of randomness for choosing the two candidates. Default: an allocation-free mulberry32 seeded from `Math.random`. */
  readonly random?: RandomSource;
}

interface InFlight {
  pending: number;
}

/**
 * Power of two choices on in-flight requests (Envoy's `LEAST_REQUEST`): sample two
 * distinct eligible instances at random and take the one with fewer calls in flight,
 * scaled by weight ((pending + 1) / weight, so weight 2 means twice the capacity).
 * Two random choices avoid the herd that "always the global least" causes when many
 * clients see the same counts, and cost O(1) instead of a scan.
 *
 * `onCallStart`/`onCallEnd` maintain the in-flight counts; without them every
 * instance looks idle and this degrades to random.
 */
export class LeastRequestBalancer implements Balancer {
  readonly name = 'least-request';
  private readonly choices: TwoChoices;
  private readonly inFlight = new InstanceStates<InFlight>(() => ({ pending: 0 }));

  constructor(options?: LeastRequestOptions) {
    const o = balancerOptions('leastRequest', options, ['random']);
    this.choices = new TwoChoices(new IndexSource(randomOption('leastRequest.random', o.random)));
  }

  pick(instances: readonly Instance[], ctx: PickContext): Instance {
    const only = this.choices.sample(instances, ctx);
    if (only !== undefined) return only;
    const a = this.choices.first as Instance;
    const b = this.choices.second as Instance;
    const loadA = (this.inFlight.get(a)?.pending ?? 0) + 1;
    const loadB = (this.inFlight.get(b)?.pending ?? 0) + 1;
    if (this.choices.allZero || a.weight === b.weight) return loadA <= loadB ? a : b;
    // loadA / weightA <= loadB / weightB without dividing.
    return loadA * b.weight <= loadB * a.weight ? a : b;
  }

  onCallStart(instance: Instance): void {
    this.inFlight.getOrCreate(instance).pending++;
  }

  onCallEnd(instance: Instance, _outcome: CallOutcome): void {
    // A call that started before `retain` forgot its instance has nothing left to decrement.
    const state = this.inFlight.get(instance);
    if (state !== undefined && state.pending > 0) state.pending--;
  }

  retain(live: readonly Instance[]): void {
    this.inFlight.retain(live);
  }

  /** Calls in flight to `instance` as this balancer counts them. */
  pending(instance: Instance): number {
    return this.inFlight.get(instance)?.pending ?? 0;
  }
}
