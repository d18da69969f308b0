import { createInstance, type Instance, type ServiceSnapshot } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { SnapshotHub } from '../../src/registry/SnapshotHub.js';
import { sameInstances } from '../../src/registry/sameInstances.js';
import { flush, ManualClock } from './support.js';

const a = createInstance({ id: 'a', host: '10.0.0.1', port: 80, tags: ['x'], meta: { k: 'v' } }, 'cart');
const b = createInstance({ id: 'b', host: '10.0.0.2', port: 80 }, 'cart');

function collect(hub: SnapshotHub, service: string) {
  const snapshots: ServiceSnapshot[] = [];
  const handle = hub.watch(service, (s) => snapshots.push(s));
  return { snapshots, handle };
}

describe('SnapshotHub', () => {
  it('treats rebuilt but equal instance lists as unchanged', () => {
    const clock = new ManualClock(1);
    const hub = new SnapshotHub({ clock });
    expect(hub.publish('cart', [a, b])).toBe(true);
    const rebuilt = [createInstance({ id: 'a', host: '10.0.0.1', port: 80, tags: ['x'], meta: { k: 'v' } }, 'cart'), b];
    clock.set(5);
    expect(hub.publish('cart', rebuilt)).toBe(false);
    expect(hub.snapshot('cart')).toMatchObject({ version: 1, updatedAt: 5 });
    expect(hub.publish('cart', [b, a])).toBe(true); // order matters
    expect(hub.snapshot('cart').version).toBe(2);
  });

  it('serves the last known instances flagged stale, and clears the flag on the next publish', async () => {
    const clock = new ManualClock(100);
    const hub = new SnapshotHub({ clock });
    hub.publish('cart', [a]);
    const { snapshots } = collect(hub, 'cart');
    await flush();
    clock.set(200);
    hub.markStale('cart');
    hub.markStale('cart'); // already stale: no second delivery
    clock.set(300);
    hub.publish('cart', [a]); // same instances, confirmed again
    expect(snapshots.map((s) => [s.version, s.stale, s.updatedAt, s.instances.length])).toEqual([
      [1, false, 100, 1],
      [1, true, 100, 1],
      [1, false, 300, 1],
    ]);
  });

  it('with awaitFirstPublish, holds watchers until the first answer (or a failure)', async () => {
    const hub = new SnapshotHub({ awaitFirstPublish: true, clock: new ManualClock(7) });
    const cart = collect(hub, 'cart');
    const orders = collect(hub, 'orders');
    await flush();
    expect(cart.snapshots).toHaveLength(0);
    hub.publish('cart', []);
    hub.markStale('orders');
    expect(cart.snapshots).toEqual([{ service: 'cart', instances: [], version: 0, stale: false, updatedAt: 7 }]);
    expect(orders.snapshots).toEqual([{ service: 'orders', instances: [], version: 0, stale: true, updatedAt: 0 }]);
  });

  it('tells the owner when a service gains its first and loses its last watcher', async () => {
    const events: string[] = [];
    const hub = new SnapshotHub({
      onWatchStart: (s) => events.push(`start ${s}`),
      onWatchStop: (s) => events.push(`stop ${s}`),
    });
    const one = hub.watch('cart', () => {});
    const two = hub.watch('cart', () => {});
    expect(events).toEqual(['start cart']);
    one.dispose();
    one.dispose();
    expect(events).toEqual(['start cart']);
    two.dispose();
    expect(events).toEqual(['start cart', 'stop cart']);
    expect(hub.watchedServices).toBe(0);
    hub.watch('cart', () => {});
    hub.close();
    expect(events).toEqual(['start cart', 'stop cart', 'start cart']);
    await flush();
  });

  it('shares one default-filter snapshot until the state changes', () => {
    const hub = new SnapshotHub();
    hub.publish('cart', [a, b]);
    const first = hub.snapshot('cart');
    expect(hub.snapshot('cart')).toBe(first);
    expect(first.instances).toBe(hub.instances('cart'));
    hub.publish('cart', [a]);
    expect(hub.snapshot('cart')).not.toBe(first);
  });

  it('ignores publishes and watches after close', async () => {
    const hub = new SnapshotHub();
    hub.close();
    expect(hub.publish('cart', [a])).toBe(false);
    const { snapshots } = collect(hub, 'cart');
    await flush();
    expect(snapshots).toHaveLength(0);
    expect(hub.services()).toEqual([]);
  });
});

describe('sameInstances', () => {
  const base = { id: 'i', host: 'h', port: 1, tags: ['t'], meta: { k: 'v' }, zone: 'z' };
  it.each([
    ['host', { host: 'g' }],
    ['port', { port: 2 }],
    ['weight', { weight: 2 }],
    ['health', { health: 'warning' as const }],
    ['zone', { zone: 'y' }],
    ['tags', { tags: ['t', 'u'] }],
    ['no tags', { tags: [] }],
    ['meta value', { meta: { k: 'w' } }],
    ['meta key', { meta: { j: 'v' } }],
    ['extra meta', { meta: { k: 'v', j: 'v' } }],
  ])('sees a change in %s', (_field, change) => {
    const before: Instance = createInstance(base, 's');
    const after: Instance = createInstance({ ...base, ...change }, 's');
    expect(sameInstances([before], [after])).toBe(false);
    expect(sameInstances([before], [createInstance(base, 's')])).toBe(true);
  });
});
