import { ConfigError, type ServiceSnapshot, StaticRegistry, type StaticRegistryConfig } from '@switchyard/core';
import { isConfigError, isRegistryError } from '@switchyard/core/internal';
import { describe, expect, it } from 'vitest';
import { flush, ManualClock, record } from './support.js';

const config: StaticRegistryConfig = {
  services: {
    cart: [
      { id: 'cart-1', host: '10.0.0.1', port: 8080, zone: 'eu-1a', tags: ['v2'], meta: { version: '2.1' } },
      { id: 'cart-2', host: '10.0.0.2', port: 8080, zone: 'eu-1b', tags: ['v2', 'canary'], health: 'warning' },
      { id: 'cart-3', host: '10.0.0.3', port: 8080, zone: 'eu-1a', health: 'critical' },
    ],
    orders: [{ host: 'orders.internal', port: 443, weight: 3 }],
  },
};

const ids = (snapshot: ServiceSnapshot) => snapshot.instances.map((i) => i.id);

describe('StaticRegistry.resolve', () => {
  it('returns passing and warning instances by default, with version, stale and updatedAt', async () => {
    const clock = new ManualClock(1_000);
    const registry = new StaticRegistry(config, { clock });
    const snapshot = await registry.resolve('cart');
    expect(ids(snapshot)).toEqual(['cart-1', 'cart-2']);
    expect(snapshot).toMatchObject({ service: 'cart', version: 1, stale: false, updatedAt: 1_000 });
    expect(registry.name).toBe('static');
  });

  it('fills instance defaults through createInstance', async () => {
    const registry = new StaticRegistry(config);
    const [orders] = (await registry.resolve('orders')).instances;
    expect(orders).toEqual({
      id: 'orders-orders.internal:443',
      service: 'orders',
      host: 'orders.internal',
      port: 443,
      weight: 3,
      tags: [],
      meta: {},
      health: 'passing',
    });
  });

  it('answers an unknown service with an empty version-0 snapshot instead of rejecting', async () => {
    const registry = new StaticRegistry(config, { clock: new ManualClock(42) });
    const snapshot = await registry.resolve('nope');
    expect(snapshot).toEqual({ service: 'nope', instances: [], version: 0, stale: false, updatedAt: 42 });
  });

  it('returns frozen snapshots, instance arrays and instances', async () => {
    const registry = new StaticRegistry(config);
    for (const snapshot of [await registry.resolve('cart'), await registry.resolve('cart', { tags: ['canary'] })]) {
      expect(Object.isFrozen(snapshot)).toBe(true);
      expect(Object.isFrozen(snapshot.instances)).toBe(true);
      for (const instance of snapshot.instances) expect(Object.isFrozen(instance)).toBe(true);
      expect(() => (snapshot.instances as unknown[]).push(1)).toThrow(TypeError);
    }
  });

  it('rejects an empty service name with a ConfigError', async () => {
    const registry = new StaticRegistry(config);
    await expect(registry.resolve('')).rejects.toThrow(/Invalid option "service"/);
  });
});

describe('StaticRegistry filters', () => {
  const registry = new StaticRegistry(config);
  it.each([
    ['no filter: passing + warning', undefined, ['cart-1', 'cart-2']],
    ['tags (all required)', { tags: ['v2', 'canary'] }, ['cart-2']],
    ['one tag', { tags: ['v2'] }, ['cart-1', 'cart-2']],
    ['meta', { meta: { version: '2.1' } }, ['cart-1']],
    ['meta mismatch', { meta: { version: '3' } }, []],
    ['health passing only', { health: ['passing'] as const }, ['cart-1']],
    ['every health', { health: ['passing', 'warning', 'critical'] as const }, ['cart-1', 'cart-2', 'cart-3']],
    ['critical only', { health: ['critical'] as const }, ['cart-3']],
    ['zone (default health still applies)', { zone: 'eu-1a' }, ['cart-1']],
    ['zone with critical', { zone: 'eu-1a', health: ['critical'] as const }, ['cart-3']],
  ])('%s', async (_name, filter, expected) => {
    expect(ids(await registry.resolve('cart', filter))).toEqual(expected);
  });
});

describe('StaticRegistry.watch', () => {
  it('delivers the current snapshot on a microtask, never synchronously', async () => {
    const registry = new StaticRegistry(config);
    const recording = record(registry, 'cart');
    expect(recording.snapshots).toHaveLength(0);
    await flush();
    expect(recording.ids()).toEqual([['cart-1', 'cart-2']]);
    expect(recording.last()?.version).toBe(1);
  });

  it('delivers every change after the first snapshot, with increasing versions', async () => {
    const registry = new StaticRegistry(config);
    const recording = record(registry, 'cart');
    await flush();
    registry.setHealth('cart-3', 'passing');
    registry.set('cart', [{ id: 'cart-9', host: '10.0.0.9', port: 9090 }]);
    expect(recording.ids()).toEqual([['cart-1', 'cart-2'], ['cart-1', 'cart-2', 'cart-3'], ['cart-9']]);
    expect(recording.snapshots.map((s) => s.version)).toEqual([1, 2, 3]);
    expect(await registry.resolve('cart')).toBe(recording.last());
  });

  it('gives a change made before the first delivery as the first snapshot, once', async () => {
    const registry = new StaticRegistry(config);
    const recording = record(registry, 'cart');
    registry.set('cart', [{ id: 'only', host: 'h', port: 1 }]);
    await flush();
    expect(recording.ids()).toEqual([['only']]);
  });

  it('delivers an empty version-0 snapshot for an unknown service, then its first instances', async () => {
    const registry = new StaticRegistry(config);
    const recording = record(registry, 'search');
    await flush();
    expect(recording.snapshots).toEqual([expect.objectContaining({ instances: [], version: 0 })]);
    await registry.register({ service: 'search', host: 'search.local', port: 7700 });
    expect(recording.ids()).toEqual([[], ['search-search.local:7700']]);
    expect(recording.last()?.version).toBe(1);
  });

  it('skips changes a filtered watcher cannot see, while the service version still grows', async () => {
    const registry = new StaticRegistry(config);
    const canary = record(registry, 'cart', { tags: ['canary'] });
    const all = record(registry, 'cart');
    await flush();
    registry.setHealth('cart-1', 'warning'); // not a canary
    registry.setHealth('cart-3', 'passing'); // not a canary
    registry.setHealth('cart-2', 'critical'); // the canary leaves
    expect(canary.ids()).toEqual([['cart-2'], []]);
    expect(canary.snapshots.map((s) => s.version)).toEqual([1, 4]);
    expect(all.snapshots.map((s) => s.version)).toEqual([1, 2, 3, 4]);
  });

  it('does not notify or bump the version when nothing changed', async () => {
    const registry = new StaticRegistry(config);
    const recording = record(registry, 'cart');
    await flush();
    registry.setHealth('cart-1', 'passing');
    registry.set('orders', [{ host: 'orders.internal', port: 443, weight: 3 }]);
    await registry.register({
      service: 'cart',
      id: 'cart-1',
      host: '10.0.0.1',
      port: 8080,
      zone: 'eu-1a',
      tags: ['v2'],
      meta: { version: '2.1' },
    });
    expect(recording.snapshots).toHaveLength(1);
    expect((await registry.resolve('cart')).version).toBe(1);
    expect((await registry.resolve('orders')).version).toBe(1);
  });

  it('stops delivering once disposed, and disposing twice is harmless', async () => {
    const registry = new StaticRegistry(config);
    const recording = record(registry, 'cart');
    await flush();
    recording.dispose();
    recording.dispose();
    registry.setHealth('cart-3', 'passing');
    expect(recording.snapshots).toHaveLength(1);
  });

  it('does not deliver the first snapshot when disposed before it was due', async () => {
    const registry = new StaticRegistry(config);
    const recording = record(registry, 'cart');
    recording.dispose();
    await flush();
    expect(recording.snapshots).toHaveLength(0);
  });

  it('stops delivering when disposed from inside the listener', async () => {
    const registry = new StaticRegistry(config);
    const seen: number[] = [];
    const handle = registry.watch('cart', (snapshot) => {
      seen.push(snapshot.version);
      if (snapshot.version === 2) handle.dispose();
    });
    await flush();
    registry.setHealth('cart-3', 'passing');
    registry.setHealth('cart-3', 'critical');
    expect(seen).toEqual([1, 2]);
  });

  it('skips a watcher that another listener disposed during the same change', async () => {
    const registry = new StaticRegistry(config);
    const second: number[] = [];
    let secondHandle: { dispose(): void } | undefined;
    registry.watch('cart', (snapshot) => {
      if (snapshot.version === 2) secondHandle?.dispose();
    });
    secondHandle = registry.watch('cart', (snapshot) => second.push(snapshot.version));
    await flush();
    registry.setHealth('cart-3', 'passing');
    expect(second).toEqual([1]);
  });

  it('keeps versions increasing for every watcher when a listener changes the registry', async () => {
    const registry = new StaticRegistry(config);
    const first = registry.watch('cart', (snapshot) => {
      // Reacts to version 2 by making version 3, in the middle of delivering version 2.
      if (snapshot.version === 2) registry.setHealth('cart-1', 'critical');
    });
    const later = record(registry, 'cart');
    await flush();
    registry.setHealth('cart-3', 'passing');
    const versions = later.snapshots.map((s) => s.version);
    expect(versions).toEqual([1, 3]);
    expect(later.ids().at(-1)).toEqual(['cart-2', 'cart-3']);
    first.dispose();
  });

  it('isolates a throwing listener: others still get snapshots and the registry keeps working', async () => {
    const errors: unknown[] = [];
    const registry = new StaticRegistry(config, { onListenerError: (error) => errors.push(error) });
    const before = record(registry, 'cart');
    registry.watch('cart', () => {
      throw new Error('listener bug');
    });
    const after = record(registry, 'cart');
    await flush();
    registry.setHealth('cart-3', 'passing');
    expect(before.snapshots.map((s) => s.version)).toEqual([1, 2]);
    expect(after.snapshots.map((s) => s.version)).toEqual([1, 2]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['listener bug', 'listener bug']);
    expect((await registry.resolve('cart')).version).toBe(2);
  });

  it('reports a throwing listener as a process warning by default', async () => {
    const registry = new StaticRegistry(config);
    const warning = new Promise<Error>((resolve) => process.once('warning', resolve));
    const other = record(registry, 'cart');
    registry.watch('cart', () => {
      throw new Error('default reporter');
    });
    await flush();
    expect((await warning).message).toMatch(/default reporter/);
    expect(other.snapshots).toHaveLength(1);
  });

  it('validates its arguments', () => {
    const registry = new StaticRegistry(config);
    expect(() => registry.watch('', () => {})).toThrow(/Invalid option "service"/);
    expect(() => registry.watch('cart', 'nope' as never)).toThrow(/Invalid option "listener"/);
  });
});

describe('StaticRegistry runtime updates', () => {
  it('register adds an instance, returns its id and notifies watchers', async () => {
    const registry = new StaticRegistry(config);
    const recording = record(registry, 'cart');
    await flush();
    const id = await registry.register({
      service: 'cart',
      host: '10.0.0.4',
      port: 8080,
      check: { type: 'http', url: 'http://10.0.0.4:8080/health', interval: '5s' },
    });
    expect(id).toBe('cart-10.0.0.4:8080');
    expect(recording.ids().at(-1)).toEqual(['cart-1', 'cart-2', id]);
    expect(recording.last()?.instances.at(-1)).not.toHaveProperty('check');
  });

  it('register replaces an instance with the same id in place', async () => {
    const registry = new StaticRegistry(config);
    await registry.register({ service: 'cart', id: 'cart-1', host: '10.0.0.11', port: 8081 });
    const snapshot = await registry.resolve('cart');
    expect(ids(snapshot)).toEqual(['cart-1', 'cart-2']);
    expect(snapshot.instances[0]).toMatchObject({ host: '10.0.0.11', port: 8081, tags: [] });
    expect(snapshot.version).toBe(2);
  });

  it('register rejects bad registrations with a ConfigError naming the option', async () => {
    const registry = new StaticRegistry(config);
    await expect(registry.register({ service: '', host: 'h', port: 1 })).rejects.toMatchObject({
      option: 'registration.service',
    });
    await expect(registry.register({ service: 'cart', host: 'h', port: 0 })).rejects.toMatchObject({
      option: 'registration.port',
    });
    await expect(registry.register({ service: 'orders', id: 'cart-1', host: 'h', port: 1 })).rejects.toMatchObject({
      option: 'registration.id',
      message: expect.stringMatching(/service "cart" has it/),
    });
  });

  it('deregister removes an instance; an unknown id is a no-op', async () => {
    const registry = new StaticRegistry(config);
    const recording = record(registry, 'cart');
    await flush();
    await registry.deregister('cart-2');
    await registry.deregister('cart-2');
    await registry.deregister('never-registered');
    expect(recording.ids()).toEqual([['cart-1', 'cart-2'], ['cart-1']]);
    expect(() => registry.setHealth('cart-2', 'passing')).toThrow(/no instance with id "cart-2"/);
  });

  it('a deregistered id can be registered again under another service', async () => {
    const registry = new StaticRegistry(config);
    await registry.deregister('cart-1');
    await registry.register({ service: 'orders', id: 'cart-1', host: 'h', port: 1 });
    expect(ids(await registry.resolve('orders'))).toEqual(['orders-orders.internal:443', 'cart-1']);
  });

  it('set replaces a service and validates like the config', async () => {
    const registry = new StaticRegistry(config);
    registry.set('cart', []);
    expect(await registry.resolve('cart')).toMatchObject({ instances: [], version: 2 });
    expect(() => registry.set('cart', [{ host: 'h', port: 1, weight: -1 }])).toThrow(
      /Invalid option "services.cart\[0\].weight"/,
    );
    expect(() => registry.set('cart', [{ host: 'orders.internal', port: 443, service: 'orders' }])).toThrow(
      /Invalid option "services.cart\[0\].service"/,
    );
    expect(() =>
      registry.set('cart', [
        { id: 'a', host: 'h', port: 1 },
        { id: 'a', host: 'h', port: 2 },
      ]),
    ).toThrow(/Invalid option "services.cart\[1\].id"/);
    expect(() => registry.set('cart', [{ id: 'orders-orders.internal:443', host: 'h', port: 1 }])).toThrow(
      /service "orders" has it/,
    );
    expect(() => registry.set(' ', [])).toThrow(/Invalid option "service"/);
    // Failed calls changed nothing.
    expect(await registry.resolve('cart')).toMatchObject({ instances: [], version: 2 });
  });

  it('setHealth validates the health value', () => {
    const registry = new StaticRegistry(config);
    expect(() => registry.setHealth('cart-1', 'sick' as never)).toThrow(/Invalid option "health"/);
  });

  it('stamps updatedAt with the clock at each change', async () => {
    const clock = new ManualClock(1_000);
    const registry = new StaticRegistry(config, { clock });
    clock.set(2_000);
    registry.setHealth('cart-3', 'passing');
    expect((await registry.resolve('cart')).updatedAt).toBe(2_000);
    expect((await registry.resolve('orders')).updatedAt).toBe(1_000);
  });
});

describe('StaticRegistry.close', () => {
  it('stops every watcher and makes further calls fail with a RegistryError; close is idempotent', async () => {
    const registry = new StaticRegistry(config);
    const recording = record(registry, 'cart');
    const pending = record(registry, 'orders');
    await flush();
    await registry.close();
    await registry.close();
    await flush();
    expect(recording.snapshots).toHaveLength(1);
    expect(pending.snapshots).toHaveLength(1);
    recording.dispose(); // still harmless

    const closed = /static: the registry is closed/;
    await expect(registry.resolve('cart')).rejects.toSatisfy(isRegistryError);
    await expect(registry.resolve('cart')).rejects.toThrow(closed);
    await expect(registry.register({ service: 'cart', host: 'h', port: 1 })).rejects.toThrow(closed);
    await expect(registry.deregister('cart-1')).rejects.toThrow(closed);
    expect(() => registry.watch('cart', () => {})).toThrow(closed);
    expect(() => registry.set('cart', [])).toThrow(closed);
    expect(() => registry.setHealth('cart-1', 'critical')).toThrow(closed);
  });

  it('drops a first delivery that was still pending', async () => {
    const registry = new StaticRegistry(config);
    const recording = record(registry, 'cart');
    await registry.close();
    await flush();
    expect(recording.snapshots).toHaveLength(0);
  });
});

describe('StaticRegistry options', () => {
  it.each([
    [{ clock: 5 }, 'options.clock'],
    [{ clock: {} }, 'options.clock.now'],
    [{ onListenerError: 'log' }, 'options.onListenerError'],
  ])('rejects %j', (options, option) => {
    const attempt = () => new StaticRegistry(config, options as never);
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect(isConfigError(error) && error.option).toBe(option);
    }
  });
});
