// SwitchyardLifecycle: registration once the server listens (with the real port),
// deregistration before Nest closes the server, closing what the module created, and
// registry failures that are logged but never crash the application.
import { Controller, Get } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  createClient,
  type HealthCheck,
  type Registration,
  RegistryError,
  type ServiceRegistry,
  StaticRegistry,
} from '@switchyard/core';
import { SwitchyardLifecycle, SwitchyardModule, type SwitchyardModuleForRootOptions } from '@switchyard/nestjs';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingLogger, type RunningApp, startApp } from './support.js';

@Controller('ping')
class PingController {
  @Get()
  ping(): { ok: true } {
    return { ok: true };
  }
}

/** A registry that records calls and can be told to fail or to run a probe while deregistering. */
class SpyRegistry extends StaticRegistry {
  readonly calls: string[] = [];
  readonly registrations: Registration[] = [];
  failRegister = false;
  failDeregister = false;
  onDeregister: (() => Promise<void>) | undefined;

  override async register(registration: Registration): Promise<string> {
    this.calls.push('register');
    this.registrations.push(registration);
    if (this.failRegister) throw new RegistryError('spy', 'agent unreachable');
    return super.register(registration);
  }

  override async deregister(id: string): Promise<void> {
    this.calls.push(`deregister ${id}`);
    await this.onDeregister?.();
    if (this.failDeregister) throw new RegistryError('spy', 'agent unreachable');
    return super.deregister(id);
  }

  override async close(): Promise<void> {
    this.calls.push('close');
    return super.close();
  }
}

let running: RunningApp | undefined;
let registry: SpyRegistry;

afterEach(async () => {
  await running?.app.close();
  running = undefined;
  if (!registry.calls.includes('close')) await registry.close();
});

async function start(options: Omit<SwitchyardModuleForRootOptions, 'registry'>): Promise<RunningApp> {
  registry = new SpyRegistry();
  running = await startApp({
    imports: [SwitchyardModule.forRoot({ registry, client: { telemetry: false }, ...options })],
    controllers: [PingController],
  });
  return running;
}

async function instancesOf(service: string): Promise<Array<{ id: string; host: string; port: number }>> {
  const snapshot = await registry.resolve(service);
  return snapshot.instances.map(({ id, host, port }) => ({ id, host, port }));
}

describe('registration', () => {
  it('registers with the real port once listening, and deregisters on app.close()', async () => {
    const app = await start({ registration: { service: 'shop', tags: ['v1'], meta: { zone: 'a' } } });
    const id = await app.app.get(SwitchyardLifecycle).whenRegistered();
    expect(id).toBe(`shop-127.0.0.1:${app.port}`);
    expect(app.app.get(SwitchyardLifecycle).instanceId).toBe(id);
    expect(await instancesOf('shop')).toEqual([{ id, host: '127.0.0.1', port: app.port }]);
    expect((await registry.resolve('shop')).instances[0]?.tags).toEqual(['v1']);

    await app.app.close();
    running = undefined;
    expect(await instancesOf('shop')).toEqual([]);
    expect(registry.calls).toEqual(['register', `deregister ${id}`]);
  });

  it('deregisters while the server still answers, before Nest closes it', async () => {
    const app = await start({ registration: { service: 'shop' } });
    await app.app.get(SwitchyardLifecycle).whenRegistered();
    let answeredDuringDeregister: number | undefined;
    registry.onDeregister = async () => {
      answeredDuringDeregister = (await fetch(`${app.url}/ping`)).status;
    };
    await app.app.close();
    running = undefined;
    expect(answeredDuringDeregister).toBe(200);
    await expect(fetch(`${app.url}/ping`)).rejects.toThrow();
  });

  it('advertises a configured host and port, and gives the check function that address', async () => {
    const checks: Array<{ host: string; port: number }> = [];
    const check = (address: { host: string; port: number }): HealthCheck => {
      checks.push(address);
      return { type: 'http', url: `http://${address.host}:${address.port}/ping`, interval: '10s' };
    };
    await start({ registration: { service: 'shop', id: 'shop-a', host: 'shop.internal', port: 8443, check } });
    expect(await running?.app.get(SwitchyardLifecycle).whenRegistered()).toBe('shop-a');
    expect(await instancesOf('shop')).toEqual([{ id: 'shop-a', host: 'shop.internal', port: 8443 }]);
    expect(checks).toEqual([{ host: 'shop.internal', port: 8443 }]);
    expect(registry.registrations[0]?.check).toEqual({
      type: 'http',
      url: 'http://shop.internal:8443/ping',
      interval: '10s',
    });
  });

  it('does not register without a registration option', async () => {
    await start({});
    await expect(running?.app.get(SwitchyardLifecycle).whenRegistered()).rejects.toMatchObject({
      option: 'registration',
    });
    await running?.app.close();
    running = undefined;
    expect(registry.calls).toEqual([]);
  });

  it('registers nothing when the app shuts down before it listens', async () => {
    registry = new SpyRegistry();
    const logger = new RecordingLogger();
    const app = await NestFactory.create(
      SwitchyardModule.forRoot({ registry, client: { telemetry: false }, registration: { service: 'shop' } }),
      { logger },
    );
    await app.init();
    const registered = app.get(SwitchyardLifecycle).whenRegistered();
    await app.close();
    await expect(registered).rejects.toThrow(/before it was registered/);
    expect(registry.calls).toEqual([]);
  });

  it('without an HTTP server, registers only with a configured port', async () => {
    registry = new SpyRegistry();
    const logger = new RecordingLogger();
    const withPort = await NestFactory.createApplicationContext(
      SwitchyardModule.forRoot({ registry, registration: { service: 'worker', host: '10.0.0.7', port: 9000 } }),
      { logger },
    );
    await withPort.init();
    expect(await withPort.get(SwitchyardLifecycle).whenRegistered()).toBe('worker-10.0.0.7:9000');
    await withPort.close();
    expect(await instancesOf('worker')).toEqual([]);

    const withoutPort = await NestFactory.createApplicationContext(
      SwitchyardModule.forRoot({ registry, registration: { service: 'worker' } }),
      { logger },
    );
    await withoutPort.init();
    await expect(withoutPort.get(SwitchyardLifecycle).whenRegistered()).rejects.toMatchObject({
      option: 'registration.port',
    });
    await withoutPort.close();
    expect(logger.messages('error').some((m) => m.includes('registration.port'))).toBe(true);
  });
});

describe('registry failures never crash the application', () => {
  it('a failed registration is logged and the app keeps serving', async () => {
    registry = new SpyRegistry();
    registry.failRegister = true;
    running = await startApp({
      imports: [
        SwitchyardModule.forRoot({ registry, client: { telemetry: false }, registration: { service: 'shop' } }),
      ],
      controllers: [PingController],
    });
    await expect(running.app.get(SwitchyardLifecycle).whenRegistered()).rejects.toThrow(/agent unreachable/);
    expect((await fetch(`${running.url}/ping`)).status).toBe(200);
    expect(running.logger.messages('error').some((m) => m.includes('Could not register shop'))).toBe(true);
    await running.app.close();
    running = undefined;
    expect(registry.calls).toEqual(['register']);
  });

  it('a throwing check function counts as a failed registration', async () => {
    await start({
      registration: {
        service: 'shop',
        check: () => {
          throw new Error('no health endpoint');
        },
      },
    });
    await expect(running?.app.get(SwitchyardLifecycle).whenRegistered()).rejects.toThrow(/no health endpoint/);
    expect(running?.logger.messages('error').some((m) => m.includes('no health endpoint'))).toBe(true);
  });

  it('a failed deregistration is logged and app.close() still resolves', async () => {
    const app = await start({ registration: { service: 'shop' } });
    await app.app.get(SwitchyardLifecycle).whenRegistered();
    registry.failDeregister = true;
    await app.app.close();
    running = undefined;
    expect(app.logger.messages('error').some((m) => m.includes('Could not deregister'))).toBe(true);
  });
});

describe('closing what the module created', () => {
  it('closes a client it created, not a client it was given, and the registry only with closeRegistry', async () => {
    await start({});
    const created = running?.app.get(SwitchyardLifecycle);
    expect(created).toBeDefined();
    const createdClient = running?.app.get<symbol, ReturnType<typeof createClient>>(Symbol.for('SWITCHYARD:CLIENT'));
    await running?.app.close();
    running = undefined;
    expect(() => createdClient?.runtime('shop')).toThrow(/not closed/);
    expect(registry.calls).not.toContain('close');

    registry = new SpyRegistry();
    const given = createClient({ registry, telemetry: false });
    running = await startApp({
      imports: [SwitchyardModule.forRoot({ registry, client: given, closeRegistry: true })],
    });
    const runtime = given.runtime('shop');
    await running.app.close();
    running = undefined;
    expect(given.runtime('shop')).toBe(runtime); // a closed client would throw here
    expect(registry.calls).toContain('close');
    await given.close();
  });

  it('a registry that fails to close is logged', async () => {
    const failing: ServiceRegistry = {
      ...new StaticRegistry(),
      name: 'failing',
      resolve: () => Promise.reject(new Error('unused')),
      watch: () => ({ dispose() {} }),
      register: () => Promise.reject(new Error('unused')),
      deregister: () => Promise.resolve(),
      close: () => Promise.reject(new RegistryError('failing', 'cannot close')),
    };
    registry = new SpyRegistry();
    running = await startApp({
      imports: [SwitchyardModule.forRoot({ registry: failing, client: { telemetry: false }, closeRegistry: true })],
    });
    await running.app.close();
    expect(running.logger.messages('error').some((m) => m.includes('cannot close'))).toBe(true);
    running = undefined;
  });
});

describe('lifecycle log records', () => {
  it('registered, deregistered and failures go out as OpenTelemetry log records', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    const records = () =>
      exporter
        .getFinishedLogRecords()
        .map((r) => ({ event: r.eventName, severity: r.severityText, attributes: r.attributes }));

    const app = await start({ registration: { service: 'shop', id: 'shop-1' }, telemetry: { loggerProvider } });
    await app.app.get(SwitchyardLifecycle).whenRegistered();
    await app.app.close();
    running = undefined;
    expect(records()).toEqual([
      {
        event: 'switchyard.instance.registered',
        severity: 'INFO',
        attributes: { 'switchyard.service': 'shop', 'switchyard.instance.id': 'shop-1' },
      },
      {
        event: 'switchyard.instance.deregistered',
        severity: 'INFO',
        attributes: { 'switchyard.service': 'shop', 'switchyard.instance.id': 'shop-1' },
      },
    ]);
    expect(exporter.getFinishedLogRecords()[0]?.instrumentationScope.name).toBe('@switchyard/nestjs');

    exporter.reset();
    await registry.close();
    registry = new SpyRegistry();
    registry.failRegister = true;
    running = await startApp({
      imports: [
        SwitchyardModule.forRoot({
          registry,
          client: { telemetry: false },
          registration: { service: 'shop' },
          telemetry: { loggerProvider },
        }),
      ],
    });
    await running.app
      .get(SwitchyardLifecycle)
      .whenRegistered()
      .catch(() => {});
    expect(records()).toEqual([
      {
        event: 'switchyard.lifecycle.error',
        severity: 'WARN',
        attributes: {
          'switchyard.service': 'shop',
          'switchyard.lifecycle.phase': 'register',
          'error.type': 'SWITCHYARD_REGISTRY',
        },
      },
    ]);
    await loggerProvider.shutdown();
  });

  it('telemetry: false emits none, not even to the global logger provider', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    logs.setGlobalLoggerProvider(loggerProvider);
    try {
      const app = await start({ registration: { service: 'shop', id: 'shop-1' }, telemetry: false });
      expect(await app.app.get(SwitchyardLifecycle).whenRegistered()).toBe('shop-1');
      await app.app.close();
      running = undefined;
      expect(exporter.getFinishedLogRecords()).toEqual([]);
    } finally {
      logs.disable();
      await loggerProvider.shutdown();
    }
  });
});
