import type { Balancer } from '@switchyard/core';
import type { Membership } from './membership.js';

/**
 * Wraps a balancer to count the instances it picks, and the picks of an instance that
 * had already left the registry: the proof that deregistration stops traffic (always 0;
 * registry watches notify synchronously with the client's own, so the check is exact).
 */
export class PickTracker {
  private readonly picks = new Map<string, number>();
  private readonly picksAfterLeaving = new Map<string, number>();

  constructor(private readonly membership: Membership) {}

  track<B extends Balancer>(balancer: B): B {
    const pick = balancer.pick.bind(balancer);
    balancer.pick = (instances, ctx) => {
      const instance = pick(instances, ctx);
      const id = instance.id;
      this.picks.set(id, (this.picks.get(id) ?? 0) + 1);
      if (this.membership.hasLeft(id)) this.picksAfterLeaving.set(id, (this.picksAfterLeaving.get(id) ?? 0) + 1);
      return instance;
    };
    return balancer;
  }

  picksOf(id: string): number {
    return this.picks.get(id) ?? 0;
  }

  picksAfterLeavingOf(id: string): number {
    return this.picksAfterLeaving.get(id) ?? 0;
  }
}
