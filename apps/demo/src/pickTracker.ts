import { type Disposable, type ServiceClient, subscribe } from '@switchyard/core';
import type { Membership } from './membership.js';

/**
 * Counts the instances one client picks, from the public `pick` events, and the picks of
 * an instance that had already left the registry: the proof that deregistration stops
 * traffic (always 0). The check is exact: a pick is published synchronously with the
 * balancer's choice, and registry watches notify the demo's membership synchronously
 * with the client's own.
 */
export class PickTracker implements Disposable {
  private readonly picks = new Map<string, number>();
  private readonly picksAfterLeaving = new Map<string, number>();
  private readonly subscription: Disposable;

  constructor(client: ServiceClient, membership: Membership) {
    this.subscription = subscribe('pick', (message) => {
      if (message.client !== client) return;
      const id = message.instance.id;
      this.picks.set(id, (this.picks.get(id) ?? 0) + 1);
      if (membership.hasLeft(id)) this.picksAfterLeaving.set(id, (this.picksAfterLeaving.get(id) ?? 0) + 1);
    });
  }

  picksOf(id: string): number {
    return this.picks.get(id) ?? 0;
  }

  picksAfterLeavingOf(id: string): number {
    return this.picksAfterLeaving.get(id) ?? 0;
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
