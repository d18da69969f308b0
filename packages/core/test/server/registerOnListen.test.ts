// The server lifecycle on its own: the registration state machine, re-registering, the
// deregister delay (fake timers), a lifecycle without a server, and its option checks.
import { Agent, createServer, type RequestListener, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Registration, RegistryError, StaticRegistry } from '@switchyard/core';
import { type LifecyclePhase, registerOnListen } from '@switchyard/core/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configErrorOf } from '../../../../test/support/configError.js';
import { deferred } from '../../../../test/support/deferred.js';
import { createInMemoryOtel } from '../../../../test/support/otel.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

class GatedRegistry extends StaticRegistry {
  readonly log: string[] = [];
  readonly registrations: Registration[] = [];
  gate: Promise<void> | undefined;
  failures = 0;
  override async register(registration: Registration): Promise<string> {
    this.log.push('register');
    this.registrations.push(registration);
    await this.gate;
    if (this.failures > 0) {
      this.failures--;
      throw new RegistryError('gated', 'agent unreachable');
    }
    return super.register(registration);
  }
  override async deregister(id: string): Promise<void> {
    this.log.push('deregister');
    return super.deregister(id);
  }
}

async function listening(handler: RequestListener = (_req, res) => res.end('ok')): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        if (server.listening) server.close(() => resolve());
        else resolve();
      }),
  );
  return server;
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

async function turns(until: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !until(); i++) await Promise.resolve();
}

describe('registration state machine', () => {
  it('idle → registering → registered on listen, with the port the server got', async () => {
    const registry = new GatedRegistry();
    const gate = deferred<void>();
    registry.gate = gate.promise;
    const server = createServer();
    const lifecycle = registerOnListen(server, { registry, registration: { service: 'orders' } });
    expect(lifecycle.registration).toBe('idle');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    expect(lifecycle.registration).toBe('registering');
    gate.resolve();
    const id = await lifecycle.registered;
    expect(id).toBe(`orders-127.0.0.1:${portOf(server)}`);
    expect(lifecycle.registration).toBe('registered');
    expect(lifecycle.instanceId).toBe(id);
    expect(lifecycle.stage).toBe('serving');
    await lifecycle.shutdown();
    expect(lifecycle.registration).toBe('deregistered');
    expect(lifecycle.stage).toBe('closed');
  });

  it('a failed registration is reported (never thrown) and register() tries again', async () => {
    const registry = new GatedRegistry();
    registry.failures = 1;
    const reported: Array<[unknown, LifecyclePhase]> = [];
    const server = await listening();
    const lifecycle = registerOnListen(server, {
      registry,
      registration: { service: 'orders' },
      onError: (error, phase) => reported.push([error, phase]),
    });
    await expect(lifecycle.registered).rejects.toThrow(/agent unreachable/);
    expect(lifecycle.registration).toBe('failed');
    expect(reported.map(([, phase]) => phase)).toEqual(['register']);
    const id = await lifecycle.register();
    expect(id).toBe(`orders-127.0.0.1:${portOf(server)}`);
    expect(lifecycle.registration).toBe('registered');
    expect((await lifecycle.shutdown()).deregistered).toBe(true);
    expect(registry.log).toEqual(['register', 'register', 'deregister']);
  });

  it('shutdown waits for a registration in flight, then deregisters it', async () => {
    const registry = new GatedRegistry();
    const gate = deferred<void>();
    registry.gate = gate.promise;
    const server = await listening();
    const lifecycle = registerOnListen(server, { registry, registration: { service: 'orders' } });
    const shutdown = lifecycle.shutdown();
    await turns(() => false);
    expect(registry.log).toEqual(['register']);
    gate.resolve();
    expect(await shutdown).toMatchObject({ deregistered: true, drained: true, errors: [] });
    expect(registry.log).toEqual(['register', 'deregister']);
    expect((await registry.resolve('orders')).instances).toEqual([]);
  });

  it('gives a check function the advertised address', async () => {
    const registry = new GatedRegistry();
    const server = await listening();
    const lifecycle = registerOnListen(server, {
      registry,
      registration: {
        service: 'orders',
        host: 'orders.internal',
        check: ({ host, port }) => ({ type: 'http', url: `http://${host}:${port}/health`, interval: '10s' }),
      },
    });
    await lifecycle.registered;
    expect(registry.registrations[0]?.check).toEqual({
      type: 'http',
      url: `http://orders.internal:${portOf(server)}/health`,
      interval: '10s',
    });
    await lifecycle.shutdown();
  });

  it('without a server: registers at once with a configured port, else reports registration.port', async () => {
    const registry = new GatedRegistry();
    const withPort = registerOnListen(undefined, {
      registry,
      registration: { service: 'worker', host: '10.0.0.7', port: 9000 },
    });
    expect(await withPort.registered).toBe('worker-10.0.0.7:9000');
    expect(await withPort.shutdown()).toMatchObject({ deregistered: true, drained: true });

    const reported: LifecyclePhase[] = [];
    const withoutPort = registerOnListen(undefined, {
      registry,
      registration: { service: 'worker' },
      onError: (_error, phase) => reported.push(phase),
    });
    await expect(withoutPort.registered).rejects.toMatchObject({ option: 'registration.port' });
    expect(reported).toEqual(['register']);
    await withoutPort.shutdown();
  });

  it('failures go out as switchyard.lifecycle.error log records, and a process warning without onError', async () => {
    const otel = createInMemoryOtel();
    cleanups.push(() => otel.shutdown());
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    cleanups.push(() => void process.removeListener('warning', onWarning));
    const registry = new GatedRegistry();
    registry.failures = 1;
    const lifecycle = registerOnListen(await listening(), {
      registry,
      registration: { service: 'orders' },
      loggerProvider: otel.loggerProvider,
      scope: { name: '@switchyard/test', version: '1.0.0' },
    });
    await lifecycle.registered.catch(() => {});
    await lifecycle.shutdown();
    await turns(() => warnings.length > 0);
    expect(warnings.some((w) => w.includes('could not register orders'))).toBe(true);
    const [record] = otel.logs();
    expect(record?.eventName).toBe('switchyard.lifecycle.error');
    expect(record?.instrumentationScope.name).toBe('@switchyard/test');
    expect(record?.attributes).toMatchObject({ 'switchyard.lifecycle.phase': 'register' });
  });
});

describe('deregister delay', () => {
  it('keeps serving with keep-alive during the delay; drains only after it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const registry = new GatedRegistry();
    const server = await listening();
    const lifecycle = registerOnListen(server, {
      registry,
      registration: { service: 'orders' },
      deregisterDelayMs: 60_000,
    });
    await lifecycle.registered;
    const agent = new Agent({ keepAlive: true });
    cleanups.push(() => agent.destroy());
    const get = () =>
      new Promise<string | undefined>((resolve, reject) => {
        request({ host: '127.0.0.1', port: portOf(server), agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers.connection));
        })
          .on('error', reject)
          .end();
      });
    await get();
    const shutdown = lifecycle.shutdown();
    await turns(() => lifecycle.stage === 'delaying');
    expect(lifecycle.stage).toBe('delaying');
    expect((await registry.resolve('orders')).instances).toEqual([]);
    // Served normally: keep-alive, on the pooled connection.
    expect(await get()).toBe('keep-alive');
    expect(await get()).toBe('keep-alive');
    expect(server.listening).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await shutdown).toMatchObject({ deregistered: true, drained: true, forced: 0 });
    expect(server.listening).toBe(false);
  });

  it('is skipped when nothing was deregistered', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const registry = new GatedRegistry();
    registry.failures = 1;
    const lifecycle = registerOnListen(await listening(), {
      registry,
      registration: { service: 'orders' },
      deregisterDelayMs: 60_000,
      onError: () => {},
    });
    await lifecycle.registered.catch(() => {});
    expect(await lifecycle.shutdown()).toMatchObject({ deregistered: false, drained: true });
  });
});

describe('options', () => {
  it('rejects unknown keys and bad values with a ConfigError naming the option', async () => {
    const registry = new StaticRegistry();
    const server = createServer();
    const cases: Array<[unknown, string]> = [
      [{ registry, registation: { service: 'x' } }, 'registation'],
      [{ registry: {}, registration: { service: 'x' } }, 'registry'],
      [{ registry, registration: { service: '' } }, 'registration.service'],
      [{ registry, registration: { service: 'x', helth: 'passing' } }, 'registration.helth'],
      [{ registry, registration: { service: 'x', weight: -1 } }, 'registration.weight'],
      [{ registry, registration: { service: 'x', port: 70_000 } }, 'registration.port'],
      [{ registry, registration: { service: 'x', host: '' } }, 'registration.host'],
      [{ registry, deregisterDelayMs: -1 }, 'deregisterDelayMs'],
      [{ registry, drainTimeoutMs: Number.NaN }, 'drainTimeoutMs'],
      [{ registry, signals: ['TERM'] }, 'signals'],
      [{ registry, onError: 'log' }, 'onError'],
      [{ registry, loggerProvider: {} }, 'loggerProvider'],
    ];
    for (const [options, option] of cases) {
      expect(configErrorOf(() => registerOnListen(server, options as never)).option).toBe(option);
    }
  });

  it('without a registration only drains; registered rejects, handled', async () => {
    const lifecycle = registerOnListen(await listening(), { registry: new StaticRegistry() });
    await expect(lifecycle.registered).rejects.toMatchObject({ option: 'registration' });
    expect(await lifecycle.shutdown()).toEqual({ deregistered: false, drained: true, forced: 0, errors: [] });
  });
});
