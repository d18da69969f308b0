import { type Disposable, type ServiceClient, subscribe } from '@switchyard/core';

/** Counts the retries one client schedules per service, from the public `retry` events. */
export class RetryCounter implements Disposable {
  private readonly counts: Map<string, number>;
  private readonly subscription: Disposable;

  /** `services` are shown from the start, with 0. */
  constructor(client: ServiceClient, services: readonly string[]) {
    this.counts = new Map(services.map((service) => [service, 0]));
    this.subscription = subscribe('retry', ({ client: from, service }) => {
      if (from === client) this.counts.set(service, (this.counts.get(service) ?? 0) + 1);
    });
  }

  /** Retries per service, live. */
  get byService(): ReadonlyMap<string, number> {
    return this.counts;
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
