import { createServer, request } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { type Registration, RegistryError, type ServiceRegistry, StaticRegistry } from '@switchyard/core';
import { type LifecyclePhase, registerOnListen } from '@switchyard/express';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred, type Listening, listen, send } from './support.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A StaticRegistry that logs what happens to it, and can be told to fail. */
class RecordingRegistry implements ServiceRegistry {
  readonly name = 'recording';
  readonly inner = new StaticRegistry();
  readonly log: string[] = [];
  readonly registrations: Registration[] = [];
  failRegister: Error | undefined;
  failDeregister: Error | undefined;
  resolve = this.inner.resolve.bind(this.inner);
  watch = this.inner.watch.bind(this.inner);
  async register(registration: Registration): Promise<string> {
    this.log.push('register');
    this.registrations.push(registration);
    if (this.failRegister !== undefined) throw this.failRegister;
    return this.inner.register(registration);
  }
  async deregister(id: string): Promise<void> {
    this.log.push('deregister');
    if (this.failDeregister !== undefined) throw this.failDeregister;
    return this.inner.deregister(id);
  }
  async close(): Promise<void> {
    this.log.push('close');
    return this.inner.close();
  }
  async ports(service: string): Promise<number[]> {
    return (await this.inner.resolve(service)).instances.map((i) => i.port);
  }
}

/** An Express app whose `/hold` requests wait until the test releases them. */
function holdingApp() {
  const release = deferred<void>();
  let onArrive: (() => void) | undefined;
  const app = express();
  app.get('/hold', async (_req, res) => {
    onArrive?.();
    await release.promise;
    res.json({ completed: true });
  });
  app.get('/quick', (_req, res) => {
    res.json({ quick: true });
  });
  return {
    app,
    release: () => release.resolve(),
    nextArrival: () =>
      new Promise<void>((resolve) => {
        onArrive = resolve;
      }),
  };
}

async function started(app: express.Express): Promise<Listening> {
  const listening = await listen(createServer(app));
  cleanups.push(() => listening.close());
  return listening;
}

/** Resolves with the error of a brand-new connection to `port`, or 'connected'. */
function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/quick', agent: false }, (res) => {
      res.resume();
      resolve('connected');
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

describe('registerOnListen()', () => {
  it('registers when the server starts listening, with the port it got', async () => {
    const registry = new RecordingRegistry();
    const server = createServer();
    const lifecycle = registerOnListen(server, {
      registry,
      registration: { service: 'orders', tags: ['v1'] },
      onError: () => {},
    });
    expect(registry.log).toEqual([]);
    const listening = await listen(server);
    cleanups.push(() => listening.close());
    const id = await lifecycle.registered;
    expect(id).toBe(`orders-127.0.0.1:${listening.port}`);
    expect(lifecycle.instanceId).toBe(id);
    const [instance] = (await registry.resolve('orders')).instances;
    expect(instance).toMatchObject({ host: '127.0.0.1', port: listening.port, tags: ['v1'] });
    await lifecycle.shutdown();
  });

  it('registers at once when the server already listens, keeping an explicit host and port', async () => {
    const registry = new RecordingRegistry();
    const listening = await started(express());
    const lifecycle = registerOnListen(listening.server, {
      registry,
      registration: { service: 'orders', host: 'orders.internal', port: 8443, id: 'orders-1' },
    });
    expect(await lifecycle.registered).toBe('orders-1');
    expect((await registry.resolve('orders')).instances[0]).toMatchObject({ host: 'orders.internal', port: 8443 });
    await lifecycle.shutdown();
  });

  it('shutdown: deregisters first, refuses new connections, lets in-flight requests finish', async () => {
    const registry = new RecordingRegistry();
    const { app, release, nextArrival } = holdingApp();
    const listening = await started(app);
    const order: string[] = [];
    listening.server.on('close', () => order.push('server closed'));
    const lifecycle = registerOnListen(listening.server, {
      registry,
      registration: { service: 'orders' },
      onShutdown: () => {
        order.push('onShutdown');
      },
      closeRegistry: true,
    });
    await lifecycle.registered;

    const arrival = nextArrival();
    const inFlight = send(`${listening.url}/hold`);
    await arrival;
    expect(lifecycle.inFlight).toBe(1);

    const shutdown = lifecycle.shutdown();
    expect(lifecycle.shutdown()).toBe(shutdown);
    // Deregistered while the request is still running.
    for (let i = 0; i < 50 && (await registry.ports('orders')).length > 0; i++) await Promise.resolve();
    expect(await registry.ports('orders')).toEqual([]);
    expect(await connectError(listening.port)).toBe('ECONNREFUSED');

    release();
    const res = await inFlight.response;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ completed: true });
    expect(res.headers.connection).toBe('close');
    const result = await shutdown;
    expect(result).toEqual({ deregistered: true, drained: true, forced: 0, errors: [] });
    expect(registry.log).toEqual(['register', 'deregister', 'close']);
    expect(order).toEqual(['server closed', 'onShutdown']);
    expect(lifecycle.instanceId).toBeUndefined();
  });

  it('closes idle keep-alive connections so the server can close', async () => {
    const registry = new RecordingRegistry();
    const listening = await started(holdingApp().app);
    const lifecycle = registerOnListen(listening.server, { registry, registration: { service: 'orders' } });
    await lifecycle.registered;
    // A pooled keep-alive connection, idle after its request.
    const res = await fetch(`${listening.url}/quick`);
    expect(await res.json()).toEqual({ quick: true });
    const result = await lifecycle.shutdown();
    expect(result.drained).toBe(true);
    expect(listening.server.listening).toBe(false);
  });

  it('cuts requests still running at drainTimeoutMs', async () => {
    const registry = new RecordingRegistry();
    const { app, nextArrival } = holdingApp();
    const listening = await started(app);
    const lifecycle = registerOnListen(listening.server, {
      registry,
      registration: { service: 'orders' },
      drainTimeoutMs: 0,
    });
    await lifecycle.registered;
    const arrival = nextArrival();
    const stuck = send(`${listening.url}/hold`);
    await arrival;
    const result = await lifecycle.shutdown();
    expect(result).toMatchObject({ deregistered: true, drained: false, forced: 1 });
    await expect(stuck.response).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('never throws on registry failures: reports them and still shuts down', async () => {
    const registry = new RecordingRegistry();
    registry.failRegister = new RegistryError('recording', 'agent unreachable');
    const reported: Array<[unknown, LifecyclePhase]> = [];
    const listening = await started(express());
    const lifecycle = registerOnListen(listening.server, {
      registry,
      registration: { service: 'orders' },
      onError: (error, phase) => reported.push([error, phase]),
    });
    await expect(lifecycle.registered).rejects.toBe(registry.failRegister);
    expect(reported).toEqual([[registry.failRegister, 'register']]);
    const result = await lifecycle.shutdown();
    expect(result).toMatchObject({ deregistered: false, drained: true });
    expect(listening.server.listening).toBe(false);
  });

  it('reports a failed deregistration and carries on draining', async () => {
    const registry = new RecordingRegistry();
    registry.failDeregister = new RegistryError('recording', 'gone');
    const phases: LifecyclePhase[] = [];
    const listening = await started(express());
    const lifecycle = registerOnListen(listening.server, {
      registry,
      registration: { service: 'orders' },
      onError: (_error, phase) => phases.push(phase),
      onShutdown: () => {
        throw new Error('hook failed');
      },
    });
    await lifecycle.registered;
    const result = await lifecycle.shutdown();
    expect(result.deregistered).toBe(false);
    expect(result.errors).toHaveLength(2);
    expect(phases).toEqual(['deregister', 'shutdown-hook']);
    expect(listening.server.listening).toBe(false);
  });

  it('a throwing onError does not escape', async () => {
    const registry = new RecordingRegistry();
    registry.failRegister = new Error('boom');
    const listening = await started(express());
    const lifecycle = registerOnListen(listening.server, {
      registry,
      registration: { service: 'orders' },
      onError: () => {
        throw new Error('reporter broke');
      },
    });
    await expect(lifecycle.registered).rejects.toThrow('boom');
    await lifecycle.shutdown();
  });

  it('advertises the first non-internal IPv4 (else the hostname) when the server listens on every interface', async () => {
    const registry = new RecordingRegistry();
    const server = createServer();
    // Pretend to listen on 0.0.0.0 without binding every interface in a test.
    server.address = () => ({ address: '0.0.0.0', family: 'IPv4', port: 4100 });
    const lifecycle = registerOnListen(server, { registry, registration: { service: 'orders' }, onError: () => {} });
    server.emit('listening');
    await lifecycle.registered;
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a?.family === 'IPv4' && !a.internal)?.address;
    expect(registry.registrations[0]).toMatchObject({ host: external ?? hostname(), port: 4100 });
    await lifecycle.shutdown();
  });

  it('shutdown before listening rejects registered and registers nothing afterwards', async () => {
    const registry = new RecordingRegistry();
    const server = createServer();
    const lifecycle = registerOnListen(server, { registry, registration: { service: 'orders' } });
    const result = await lifecycle.shutdown();
    expect(result).toMatchObject({ deregistered: false, drained: true });
    await expect(lifecycle.registered).rejects.toThrow(/before it was registered/);
    const listening = await listen(server);
    cleanups.push(() => listening.close());
    expect(registry.log).toEqual([]);
  });

  it('shuts down on an opted-in signal and removes its handler', async () => {
    const registry = new RecordingRegistry();
    const listening = await started(express());
    const before = process.listenerCount('SIGUSR2');
    const closed = deferred<void>();
    const lifecycle = registerOnListen(listening.server, {
      registry,
      registration: { service: 'orders' },
      signals: ['SIGUSR2'],
      exitOnSignal: false,
      onShutdown: () => closed.resolve(),
    });
    await lifecycle.registered;
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    process.emit('SIGUSR2', 'SIGUSR2');
    await closed.promise;
    const result = await lifecycle.shutdown();
    expect(result.deregistered).toBe(true);
    for (let i = 0; i < 10 && process.listenerCount('SIGUSR2') > before; i++) await Promise.resolve();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });

  const bad: Array<[string, Record<string, unknown>]> = [
    ['registry', { registry: {}, registration: { service: 'a' } }],
    ['registration', { registry: new StaticRegistry() }],
    ['registration.service', { registry: new StaticRegistry(), registration: { service: '' } }],
    ['registration.port', { registry: new StaticRegistry(), registration: { service: 'a', port: 70_000 } }],
    ['drainTimeoutMs', { registry: new StaticRegistry(), registration: { service: 'a' }, drainTimeoutMs: -1 }],
    ['signals', { registry: new StaticRegistry(), registration: { service: 'a' }, signals: ['TERM'] }],
    ['exitOnSignal', { registry: new StaticRegistry(), registration: { service: 'a' }, exitOnSignal: 1 }],
    ['onError', { registry: new StaticRegistry(), registration: { service: 'a' }, onError: 'log' }],
  ];
  it.each(bad)('a bad %s throws a ConfigError naming it', (option, options) => {
    expect(() => registerOnListen(createServer(), options as never)).toThrow(
      expect.objectContaining({ code: 'SWITCHYARD_CONFIG', option }),
    );
  });
});

describe('signals in a real process', () => {
  it('SIGTERM drains the in-flight request, then the process ends by SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/signalServer.ts', import.meta.url))],
      {
        cwd: root,
        env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.test.json' },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const events: Array<Record<string, unknown>> = [];
    const waiters: Array<[string, (e: Record<string, unknown>) => void]> = [];
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const event = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
        buffer = buffer.slice(nl + 1);
        events.push(event);
        for (const [name, resolve] of waiters) if (name === event.event) resolve(event);
      }
    });
    const next = (name: string) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const seen = events.find((e) => e.event === name);
        if (seen !== undefined) resolve(seen);
        else waiters.push([name, resolve]);
      });

    const { port } = (await next('registered')) as { port: number };
    const arrived = next('arrived');
    const inFlight = send(`http://127.0.0.1:${port}/hold`);
    await arrived;
    child.kill('SIGTERM');
    expect(await connectErrorEventually(port)).toBe('ECONNREFUSED');
    child.stdin.write('release\n');
    const res = await inFlight.response;
    expect(JSON.parse(res.body)).toEqual({ completed: true });
    expect(await next('drained')).toEqual({ event: 'drained', instances: 0 });
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
  });
});

/** New connections are refused once the child handled the signal; it may take a moment to get there. */
async function connectErrorEventually(port: number): Promise<string> {
  let last = '';
  for (let i = 0; i < 200; i++) {
    last = await connectError(port);
    if (last === 'ECONNREFUSED') return last;
  }
  return last;
}
