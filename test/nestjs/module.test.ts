// SwitchyardModule.forRoot / forRootAsync: an injectable client that calls a real downstream
// service, the registry and options tokens, the global option, and ConfigErrors for bad options.
import { Controller, Get, Inject, Injectable, Module, Param } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { type ServiceClient, type ServiceRegistry, StaticRegistry, subscribe } from '@switchyard/core';
import {
  InjectRegistry,
  InjectSwitchyardClient,
  InjectSwitchyardOptions,
  SWITCHYARD_CLIENT,
  SwitchyardModule,
  type SwitchyardModuleForRootOptions,
  SwitchyardModuleOptions,
  type SwitchyardOptionsFactory,
} from '@switchyard/nestjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configErrorOf } from '../support/configError.js';
import { type Downstream, RecordingLogger, type RunningApp, startApp, startDownstream } from './support.js';

@Controller('proxy')
class ProxyController {
  constructor(@InjectSwitchyardClient() private readonly client: ServiceClient) {}

  @Get(':id')
  async get(@Param('id') id: string): Promise<unknown> {
    const res = await this.client.fetch('catalog', `/items/${id}`);
    return { status: res.status, body: await res.json() };
  }
}

/** Holds what the module injects, for the test to compare. */
@Injectable()
class Inspector {
  constructor(
    @InjectRegistry() readonly registry: ServiceRegistry,
    @InjectSwitchyardClient() readonly client: ServiceClient,
    @InjectSwitchyardOptions() readonly options: SwitchyardModuleOptions,
    @Inject(SwitchyardModuleOptions) readonly sameOptions: SwitchyardModuleOptions,
  ) {}
}

let downstream: Downstream;
let registry: StaticRegistry;
let running: RunningApp | undefined;

beforeEach(async () => {
  downstream = await startDownstream('catalog');
  registry = new StaticRegistry({ services: { catalog: [{ host: '127.0.0.1', port: downstream.port }] } });
});

afterEach(async () => {
  await running?.app.close();
  running = undefined;
  await registry.close();
  await downstream.close();
});

async function getJson(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${running?.url}${path}`);
  return { status: res.status, body: await res.json() };
}

describe('forRoot', () => {
  it('provides a client that a controller uses to call a real downstream service', async () => {
    running = await startApp({
      imports: [SwitchyardModule.forRoot({ registry })],
      controllers: [ProxyController],
    });
    expect(await getJson('/proxy/7')).toEqual({
      status: 200,
      body: { status: 200, body: { from: 'catalog', url: '/items/7' } },
    });
    expect(downstream.requests.map((r) => r.url)).toEqual(['/items/7']);
  });

  it('injects the registry, the client and the validated options; a given client is used as is', async () => {
    const client = (await import('@switchyard/core')).createClient({ registry, telemetry: false });
    const options = { registry, client };
    running = await startApp({ imports: [SwitchyardModule.forRoot(options)], providers: [Inspector] });
    const inspector = running.app.get(Inspector);
    expect(inspector.registry).toBe(registry);
    expect(inspector.client).toBe(client);
    expect(running.app.get(SWITCHYARD_CLIENT)).toBe(client);
    expect(inspector.options).toEqual(options);
    expect(inspector.sameOptions).toBe(inspector.options);
    await client.close();
  });

  it('creates the client from client options', async () => {
    running = await startApp({
      imports: [SwitchyardModule.forRoot({ registry, client: { balancer: 'round-robin', telemetry: false } })],
      providers: [Inspector],
    });
    const client = running.app.get(Inspector).client;
    expect(client.registry).toBe(registry);
    expect(client.runtime('catalog').balancer.name).toBe('round-robin');
  });

  it('is global by default; with global: false only importing modules see the client', async () => {
    @Module({ controllers: [ProxyController] })
    class FeatureModule {}

    running = await startApp({ imports: [SwitchyardModule.forRoot({ registry }), FeatureModule] });
    expect((await getJson('/proxy/1')).status).toBe(200);
    await running.app.close();
    running = undefined;

    const compiling = Test.createTestingModule({
      imports: [SwitchyardModule.forRoot({ registry, global: false }), FeatureModule],
    })
      .setLogger(new RecordingLogger())
      .compile();
    await expect(compiling).rejects.toThrow(/ProxyController/);
  });
});

describe('forRootAsync', () => {
  const SETTINGS = 'SETTINGS';

  @Module({
    providers: [{ provide: SETTINGS, useFactory: () => ({ balancer: 'random' as const }) }],
    exports: [SETTINGS],
  })
  class SettingsModule {}

  it('useFactory with imports and inject', async () => {
    running = await startApp({
      imports: [
        SwitchyardModule.forRootAsync({
          imports: [SettingsModule],
          inject: [SETTINGS],
          useFactory: async (settings) => ({
            registry,
            client: { balancer: (settings as { balancer: 'random' }).balancer, telemetry: false },
          }),
        }),
      ],
      controllers: [ProxyController],
      providers: [Inspector],
    });
    expect((await getJson('/proxy/2')).body).toEqual({ status: 200, body: { from: 'catalog', url: '/items/2' } });
    expect(running.app.get(Inspector).client.runtime('catalog').balancer.name).toBe('random');
  });

  it('useClass', async () => {
    const shared = registry;
    @Injectable()
    class OptionsFromClass implements SwitchyardOptionsFactory {
      createSwitchyardOptions() {
        return { registry: shared, client: { telemetry: false as const } };
      }
    }
    running = await startApp({
      imports: [SwitchyardModule.forRootAsync({ useClass: OptionsFromClass })],
      controllers: [ProxyController],
    });
    expect((await getJson('/proxy/3')).status).toBe(200);
  });

  it('useExisting', async () => {
    const shared = registry;
    @Injectable()
    class OptionsFactory implements SwitchyardOptionsFactory {
      createSwitchyardOptions() {
        return Promise.resolve({ registry: shared });
      }
    }
    @Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
    class OptionsModule {}

    running = await startApp({
      imports: [SwitchyardModule.forRootAsync({ imports: [OptionsModule], useExisting: OptionsFactory })],
      controllers: [ProxyController],
    });
    expect((await getJson('/proxy/4')).status).toBe(200);
  });
});

describe('bad options throw a ConfigError naming the option', () => {
  it.each<[string, () => SwitchyardModuleForRootOptions]>([
    ['registry', () => ({ registry: {} as ServiceRegistry })],
    ['registration.service', () => ({ registry, registration: { service: '' } })],
    ['registration.port', () => ({ registry, registration: { service: 'shop', port: 70_000 } })],
    ['registration.weight', () => ({ registry, registration: { service: 'shop', weight: -1 } })],
    ['registration.check', () => ({ registry, registration: { service: 'shop', check: 'http' as never } })],
    ['telemetry.httpInstrumentation', () => ({ registry, telemetry: { httpInstrumentation: 'both' as never } })],
    ['telemetry.tracerProvider', () => ({ registry, telemetry: { tracerProvider: {} as never } })],
    ['telemetry.loggerProvider', () => ({ registry, telemetry: { loggerProvider: {} as never } })],
    ['telemetry.meterProvider', () => ({ registry, telemetry: { meterProvider: {} as never } })],
    ['telemetry.knownHttpMethods', () => ({ registry, telemetry: { knownHttpMethods: 'GET' as never } })],
    ['closeRegistry', () => ({ registry, closeRegistry: 'yes' as never })],
    ['client.registry', () => ({ registry, client: { registry } as never })],
    ['global', () => ({ registry, global: 1 as never })],
    ['exceptionFilter', () => ({ registry, exceptionFilter: 'no' as never })],
    ['registation', () => ({ registry, registation: { service: 'shop' } }) as never],
    ['deregisterDelayMs', () => ({ registry, deregisterDelayMs: -1 })],
    ['drainTimeoutMs', () => ({ registry, drainTimeoutMs: Number.POSITIVE_INFINITY })],
    ['exposeMessages', () => ({ registry, exposeMessages: 'yes' as never })],
    ['registration.weight', () => ({ registry, registration: { service: 'shop', weight: -1 } })],
  ])('forRoot: %s', (option, options) => {
    const error = configErrorOf(() => SwitchyardModule.forRoot(options()));
    expect(error.option).toBe(option);
    expect(error.message).toContain(`"${option}"`);
  });

  it('forRootAsync without exactly one of useFactory, useClass or useExisting', () => {
    expect(configErrorOf(() => SwitchyardModule.forRootAsync({})).option).toBe('forRootAsync');
  });

  it('forRootAsync rejects unknown keys, naming them', () => {
    const options = { useFactory: () => ({ registry }), registry } as never;
    expect(configErrorOf(() => SwitchyardModule.forRootAsync(options)).option).toBe('registry');
  });

  it('forRootAsync: options from the factory are checked when the module compiles', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        SwitchyardModule.forRootAsync({
          useFactory: () => ({ registry, telemetry: { httpInstrumentation: 'x' as never } }),
        }),
      ],
    })
      .setLogger(new RecordingLogger())
      .compile();
    await expect(compiling).rejects.toMatchObject({
      code: 'SWITCHYARD_CONFIG',
      option: 'telemetry.httpInstrumentation',
    });
  });

  it('client options are checked at forRoot, named client.<option> (case 13)', () => {
    const error = configErrorOf(() => SwitchyardModule.forRoot({ registry, client: { timeoutMs: -5 } }));
    expect(error.option).toBe('client.timeoutMs');
  });
});

describe('checking client options', () => {
  it('makes no client of its own to check them', async () => {
    const registry = new StaticRegistry({ services: {} });
    const closed: ServiceClient[] = [];
    const listening = subscribe('clientClose', ({ client }) => {
      closed.push(client);
    });
    try {
      // Before, forRoot built (and closed) a throwaway client to check these options.
      const dynamic = SwitchyardModule.forRoot({ registry, client: { telemetry: false, timeoutMs: 500 } });
      expect(closed).toEqual([]);
      const moduleRef = await Test.createTestingModule({ imports: [dynamic] }).compile();
      expect(moduleRef.get<ServiceClient>(SWITCHYARD_CLIENT).runtime('cart').timeout?.timeoutMs).toBe(500);
      expect(closed).toEqual([]);
      await moduleRef.close();
    } finally {
      listening.dispose();
      await registry.close();
    }
  });
});
