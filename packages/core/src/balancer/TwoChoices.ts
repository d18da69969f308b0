import { NoInstancesError } from '../errors/NoInstancesError.js';
import type { Instance } from '../registry/Instance.js';
import type { PickContext } from './Balancer.js';
import { EligibleIndex } from './EligibleIndex.js';
import type { IndexSource } from './IndexSource.js';
import { ServiceStates } from './ServiceStates.js';

/**
 * The sampling half of power-of-two-choices: two distinct eligible instances drawn at
 * random, left in `first` and `second` so no pair object is allocated per pick. The
 * balancers differ only in how they compare the two.
 */
export class TwoChoices {
  first: Instance | undefined;
  second: Instance | undefined;
  /** Every weight in the last list was 0: compare as if each were 1. */
  allZero = false;
  private readonly eligible = new ServiceStates(() => new EligibleIndex());

  constructor(private readonly indices: IndexSource) {}

  /**
   * Returns the instance to use when there is no choice to make (one candidate);
   * otherwise sets `first` and `second` and returns undefined.
   */
  sample(instances: readonly Instance[], ctx: PickContext): Instance | undefined {
    const n = instances.length;
    if (n === 0) throw new NoInstancesError(ctx.service);
    if (n === 1) return instances[0] as Instance;
    const eligible = this.eligible.get(ctx.service);
    eligible.update(instances);
    const m = eligible.count;
    if (m === 1) return instances[eligible.at(0)] as Instance;
    const i = this.indices.next(m);
    let j = this.indices.next(m - 1);
    if (j >= i) j++;
    this.first = instances[eligible.at(i)] as Instance;
    this.second = instances[eligible.at(j)] as Instance;
    this.allZero = eligible.allZero;
    return undefined;
  }
}
