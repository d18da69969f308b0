import type { ShopInstance, StopResult } from './shopInstance.js';

const SERVICE_ORDER = ['gateway', 'catalog', 'pricing', 'cart'];

/**
 * The shop's running instances, kept in display order (by service, then name), with
 * what stopping each one did. Whatever started is stopped by `stopAll()`, even when
 * another instance failed to start.
 */
export class Fleet {
  private readonly list: ShopInstance[] = [];
  private readonly stopping = new Map<string, Promise<StopResult>>();
  private readonly results = new Map<string, StopResult>();

  /** Live view, updated in place as instances join. */
  get instances(): readonly ShopInstance[] {
    return this.list;
  }

  /** Waits for every start; keeps those that started; rethrows the first failure. */
  async start(...starting: Promise<ShopInstance>[]): Promise<void> {
    const settled = await Promise.allSettled(starting);
    for (const outcome of settled) if (outcome.status === 'fulfilled') this.add(outcome.value);
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  get(name: string): ShopInstance {
    const instance = this.list.find((i) => i.name === name);
    if (instance === undefined) throw new Error(`no instance ${name}`);
    return instance;
  }

  /** Stops one instance (deregister → drain → close); idempotent. */
  stop(name: string): Promise<StopResult> {
    let stopping = this.stopping.get(name);
    if (stopping === undefined) {
      stopping = this.get(name)
        .stop()
        .then((result) => {
          this.results.set(name, result);
          return result;
        });
      this.stopping.set(name, stopping);
    }
    return stopping;
  }

  /** What stopping an instance did, if it was stopped before `stopAll()`. */
  stopResult(name: string): StopResult | undefined {
    return this.results.get(name);
  }

  /** The gateway first (it calls the others), then the rest together. */
  async stopAll(): Promise<void> {
    const gateway = this.list.filter((i) => i.service === 'gateway');
    await Promise.all(gateway.map((i) => this.stop(i.name)));
    await Promise.all(this.list.map((i) => this.stop(i.name)));
  }

  private add(instance: ShopInstance): void {
    const rank = (i: ShopInstance) => [SERVICE_ORDER.indexOf(i.service), i.name] as const;
    const [service, name] = rank(instance);
    const at = this.list.findIndex((other) => {
      const [s, n] = rank(other);
      return s > service || (s === service && n > name);
    });
    this.list.splice(at === -1 ? this.list.length : at, 0, instance);
  }
}
