import type { Disposable, Instance, ServiceRegistry } from '@switchyard/core';
import type { EventLog } from './eventLog.js';

/**
 * Watches the shop's services in the registry, as any other client would, and logs each
 * instance joining or leaving: discovery made visible. Also remembers who left, so the
 * pick tracker can prove nothing was sent to a deregistered instance.
 */
export class Membership implements Disposable {
  private readonly current = new Map<string, readonly Instance[]>();
  private readonly departed = new Set<string>();
  private readonly watches: Disposable[];
  private waiters: Array<() => boolean> = [];

  constructor(registry: ServiceRegistry, services: readonly string[], events: EventLog) {
    this.watches = services.map((service) =>
      registry.watch(service, (snapshot) => {
        const before = new Set((this.current.get(service) ?? []).map((i) => i.id));
        const after = new Set(snapshot.instances.map((i) => i.id));
        this.current.set(service, snapshot.instances);
        for (const id of after) {
          if (before.has(id)) continue;
          this.departed.delete(id);
          events.add(`discovery: ${id} joined ${service} (${count(after.size)})`);
        }
        for (const id of before) {
          if (after.has(id)) continue;
          this.departed.add(id);
          events.add(`discovery: ${id} left ${service} (${count(after.size)})`);
        }
        if (snapshot.stale) events.add(`discovery: ${service} is stale (registry unreachable)`);
        this.waiters = this.waiters.filter((settled) => !settled());
      }),
    );
  }

  instances(service: string): readonly Instance[] {
    return this.current.get(service) ?? [];
  }

  /**
   * Resolves once every one of `ids` is visible through the registry's watches (a
   * registration reaches watchers a moment after it is acknowledged: Consul answers the
   * blocking queries one round-trip later). Rejects after `timeoutMs`.
   */
  whenVisible(ids: readonly string[], timeoutMs: number): Promise<void> {
    const visible = () => {
      const present = new Set([...this.current.values()].flatMap((list) => list.map((i) => i.id)));
      return ids.every((id) => present.has(id));
    };
    if (visible()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== settled);
        reject(new Error(`not visible in the registry after ${timeoutMs} ms: ${ids.join(', ')}`));
      }, timeoutMs);
      const settled = () => {
        if (!visible()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      this.waiters.push(settled);
    });
  }

  /** True once the instance was seen in the registry and then left it. */
  hasLeft(id: string): boolean {
    return this.departed.has(id);
  }

  dispose(): void {
    for (const watch of this.watches) watch.dispose();
  }
}

function count(n: number): string {
  return n === 1 ? '1 instance' : `${n} instances`;
}
