import { NoInstancesError } from '../errors/NoInstancesError.js';
import type { Instance } from '../registry/Instance.js';
import type { Balancer, PickContext } from './Balancer.js';
import { balancerOptions } from './balancerOptions.js';
import { EligibleIndex } from './EligibleIndex.js';
import { ServiceStates } from './ServiceStates.js';

/** Round-robin has no options; the type exists so every strategy takes an options object. */
export type RoundRobinOptions = Record<string, never>;

class RoundRobinState {
  readonly eligible = new EligibleIndex();
  next = 0;
}

/**
 * Hands out the eligible instances in list order, one after another: positions
 * 0, 1, 2, 0, 1, 2... (zero-weight instances are skipped unless all are zero). The
 * cursor is kept per service; when the list changes it carries on modulo the new
 * length, so no instance is favoured for more than one turn.
 */
export class RoundRobinBalancer implements Balancer {
  readonly name = 'round-robin';
  private readonly services = new ServiceStates(() => new RoundRobinState());

  constructor(options?: RoundRobinOptions) {
    balancerOptions('roundRobin', options, []);
  }

  pick(instances: readonly Instance[], ctx: PickContext): Instance {
    const n = instances.length;
    if (n === 0) throw new NoInstancesError(ctx.service);
    const state = this.services.get(ctx.service);
    const eligible = state.eligible;
    eligible.update(instances);
    let k = state.next;
    if (k >= eligible.count) k = k % eligible.count;
    state.next = k + 1;
    return instances[eligible.at(k)] as Instance;
  }
}
