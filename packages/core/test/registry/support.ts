import type { Disposable, InstanceFilter, ServiceRegistry, ServiceSnapshot } from '@switchyard/core';

export { ManualClock } from '../../../../test/support/clock.js';

/** Lets queued microtasks (first watch deliveries) run; one macrotask turn, no wall-clock wait. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Recording extends Disposable {
  readonly snapshots: ServiceSnapshot[];
  /** Ids of the instances in each delivered snapshot. */
  ids(): string[][];
  last(): ServiceSnapshot | undefined;
}

/** Watches `service` and keeps every snapshot delivered. */
export function record(registry: ServiceRegistry, service: string, filter?: InstanceFilter): Recording {
  const snapshots: ServiceSnapshot[] = [];
  const handle = registry.watch(service, (snapshot) => snapshots.push(snapshot), filter);
  return {
    snapshots,
    ids: () => snapshots.map((s) => s.instances.map((i) => i.id)),
    last: () => snapshots.at(-1),
    dispose: () => handle.dispose(),
  };
}
