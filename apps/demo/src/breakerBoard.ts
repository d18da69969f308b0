import {
  type CircuitBreaker,
  type CircuitState,
  type ClientBreakerFactory,
  ignoredByClientBreaker,
  SlidingWindowBreaker,
  type SlidingWindowBreakerOptions,
} from '@switchyard/core';
import type { EventLog } from './eventLog.js';

/**
 * The gateway client's breaker factory: native sliding-window breakers, remembered per
 * instance id so the dashboard can show each one's state as the calling client sees it,
 * with every transition written to the event log.
 */
export class BreakerBoard {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly openings = new Map<string, number>();

  constructor(
    private readonly events: EventLog,
    private readonly options: SlidingWindowBreakerOptions,
  ) {}

  readonly factory: ClientBreakerFactory = (service, instance) => {
    const breaker = new SlidingWindowBreaker({
      ...this.options,
      // A factory replaces the client's breaker, so keep what it ignores: a 4xx or an abort is not the instance's fault.
      ignore: ignoredByClientBreaker,
    });
    breaker.onStateChange((change) => {
      if (change.to === 'open') this.openings.set(instance.id, this.timesOpened(instance.id) + 1);
      this.events.add(`${service}/${instance.id} breaker ${change.from} → ${change.to} (${change.reason})`);
    });
    this.breakers.set(instance.id, breaker);
    return breaker;
  };

  /** The breaker state of an instance, or undefined before its first call. */
  state(instanceId: string): CircuitState | undefined {
    return this.breakers.get(instanceId)?.state;
  }

  timesOpened(instanceId: string): number {
    return this.openings.get(instanceId) ?? 0;
  }
}
