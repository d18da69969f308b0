// Regression (reliability issue, case 10): 20,000 calls to distinct unknown service names
// grew the heap from 7 to 125 MiB until close(): each name kept a runtime and a registry
// watch. Idle runtimes of services the registry knows nothing of are now dropped.
import {
  createClient,
  type Disposable,
  type InstanceFilter,
  NoInstancesError,
  type Registration,
  type ServiceRegistry,
  type ServiceSnapshot,
  type SnapshotListener,
  StaticRegistry,
} from '@switchyard/core';
import { describe, expect, it } from 'vitest';

/** A real StaticRegistry that counts the watches open on it. */
class CountingRegistry implements ServiceRegistry {
  readonly name = 'counting';
  open = 0;
  readonly watchesOf = new Map<string, number>();
  constructor(private readonly inner: StaticRegistry) {}
  resolve(service: string, filter?: InstanceFilter): Promise<ServiceSnapshot> {
    return this.inner.resolve(service, filter);
  }
  watch(service: string, listener: SnapshotListener, filter?: InstanceFilter): Disposable {
    this.open++;
    this.watchesOf.set(service, (this.watchesOf.get(service) ?? 0) + 1);
    const watch = this.inner.watch(service, listener, filter);
    let active = true;
    return {
      dispose: () => {
        if (!active) return;
        active = false;
        this.open--;
        watch.dispose();
      },
    };
  }
  register(registration: Registration): Promise<string> {
    return this.inner.register(registration);
  }
  deregister(id: string): Promise<void> {
    return this.inner.deregister(id);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('calls to unknown service names', () => {
  it('leave a bounded number of runtimes and watches behind', async () => {
    const registry = new CountingRegistry(
      new StaticRegistry({ services: { cart: [{ id: 'a', host: '127.0.0.1', port: 1 }] } }),
    );
    const client = createClient({ registry, telemetry: false });
    await client.call('cart', async () => 'ok');
    let peak = 0;
    for (let i = 0; i < 3_000; i++) {
      const error = await client.call(`typo-${i}`, async () => 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoInstancesError);
      peak = Math.max(peak, registry.open);
    }
    // A known service is kept: cart's one watch survived every sweep.
    await expect(client.call('cart', async () => 'ok')).resolves.toBe('ok');
    expect(registry.watchesOf.get('cart')).toBe(1);
    expect(peak).toBeLessThanOrEqual(512);
    expect(registry.open).toBeLessThanOrEqual(512);
    await client.close();
    expect(registry.open).toBe(0);
    await registry.close();
  });
});
