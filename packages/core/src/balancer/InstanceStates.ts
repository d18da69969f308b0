import type { Instance } from '../registry/Instance.js';
import { ServiceStates } from './ServiceStates.js';

/**
 * Per-instance state of an adaptive balancer, keyed by service then instance id, so
 * it survives an instance being replaced by an updated copy (same id) and two
 * services may reuse an id. Entries are created when an instance is first seen and
 * dropped by `retain`.
 */
export class InstanceStates<S> {
  private readonly services = new ServiceStates(() => new Map<string, S>());

  constructor(private readonly create: () => S) {}

  /** The state of `instance`, or undefined if it was never seen (or was forgotten). */
  get(instance: Instance): S | undefined {
    return this.services.peek(instance.service)?.get(instance.id);
  }

  getOrCreate(instance: Instance): S {
    const byId = this.services.get(instance.service);
    let state = byId.get(instance.id);
    if (state === undefined) {
      state = this.create();
      byId.set(instance.id, state);
    }
    return state;
  }

  /** Forgets every instance not in `live`. */
  retain(live: readonly Instance[]): void {
    const keep = new Map<string, Set<string>>();
    for (const instance of live) {
      let ids = keep.get(instance.service);
      if (ids === undefined) {
        ids = new Set();
        keep.set(instance.service, ids);
      }
      ids.add(instance.id);
    }
    for (const [service, byId] of [...this.services.entries()]) {
      const ids = keep.get(service);
      if (ids === undefined) {
        this.services.delete(service);
        continue;
      }
      for (const id of byId.keys()) if (!ids.has(id)) byId.delete(id);
    }
  }
}
