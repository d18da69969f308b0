import type { RandomSource } from '../common/Clock.js';
import { NoInstancesError } from '../errors/NoInstancesError.js';
import type { Instance } from '../registry/Instance.js';
import type { Balancer, PickContext } from './Balancer.js';
import { balancerOptions, randomOption } from './balancerOptions.js';
import { EligibleIndex } from './EligibleIndex.js';
import { IndexSource } from './IndexSource.js';
import { ServiceStates } from './ServiceStates.js';

export interface RandomOptions {
  /** Source of randomness; inject a seeded one in tests. Default: an allocation-free mulberry32 seeded from `Math.random`. */
  readonly random?: RandomSource;
}

/** Picks uniformly among the eligible instances (zero-weight ones only when all are zero). */
export class RandomBalancer implements Balancer {
  readonly name = 'random';
  private readonly indices: IndexSource;
  private readonly services = new ServiceStates(() => new EligibleIndex());

  constructor(options?: RandomOptions) {
    const o = balancerOptions('random', options, ['random']);
    this.indices = new IndexSource(randomOption('random.random', o.random));
  }

  pick(instances: readonly Instance[], ctx: PickContext): Instance {
    const n = instances.length;
    if (n === 0) throw new NoInstancesError(ctx.service);
    if (n === 1) return instances[0] as Instance;
    const eligible = this.services.get(ctx.service);
    eligible.update(instances);
    return instances[eligible.at(this.indices.next(eligible.count))] as Instance;
  }
}
