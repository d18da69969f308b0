import {
  type CircuitBreaker,
  type CircuitState,
  type Disposable,
  type ServiceClient,
  subscribe,
} from '@switchyard/core';
import type { EventLog } from './eventLog.js';

/**
 * The breakers of one client, as its public `breakerCreate`, `breakerState` and
 * `breakerDispose` events show them: each instance's current state (for the dashboard,
 * as the calling client sees it), how often it opened, and every transition written to
 * the event log. Instance ids are unique across the shop's services, so they are the key.
 */
export class BreakerBoard implements Disposable {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly openings = new Map<string, number>();
  private readonly subscriptions: readonly Disposable[];

  constructor(client: ServiceClient, events: EventLog) {
    this.subscriptions = [
      subscribe('breakerCreate', ({ client: from, instance, breaker }) => {
        if (from === client) this.breakers.set(instance.id, breaker);
      }),
      subscribe('breakerState', ({ client: from, service, instance, change }) => {
        if (from !== client) return;
        if (change.to === 'open') this.openings.set(instance.id, this.timesOpened(instance.id) + 1);
        events.add(`${service}/${instance.id} breaker ${change.from} → ${change.to} (${change.reason})`);
      }),
      // The instance left the registry (or the client closed): it has no breaker any more.
      subscribe('breakerDispose', ({ client: from, instance, breaker }) => {
        if (from === client && this.breakers.get(instance.id) === breaker) this.breakers.delete(instance.id);
      }),
    ];
  }

  /** The breaker state of an instance, or undefined before its breaker exists and after it is gone. */
  state(instanceId: string): CircuitState | undefined {
    return this.breakers.get(instanceId)?.state;
  }

  timesOpened(instanceId: string): number {
    return this.openings.get(instanceId) ?? 0;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
