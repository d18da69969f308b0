// The same small app under both adapters: GET /proxy forwards `catalog`'s answer, GET /config
// makes a real mistake (a ConfigError from core). With `registration`, each registers on
// listen through its own adapter's lifecycle.
import type { AddressInfo } from 'node:net';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { LoggerProvider } from '@opentelemetry/api-logs';
import { type ClientOptions, createClient, type StaticRegistry } from '@switchyard/core';
import type { HttpServerTelemetryOptions, ServerRequestContext } from '@switchyard/core/server';
import { registerOnListen, switchyard, switchyardErrorHandler } from '@switchyard/express';
import { SwitchyardLifecycle, SwitchyardModule, SwitchyardRequest } from '@switchyard/nestjs';
import express from 'express';
import { listen } from '../express/support.js';
import { RecordingLogger } from '../nestjs/support.js';

export type Adapter = 'express' | 'nestjs';
export const ADAPTERS: readonly Adapter[] = ['express', 'nestjs'];

export interface AppOptions {
  readonly registry: StaticRegistry;
  readonly client: Omit<ClientOptions, 'registry'>;
  readonly telemetry: Omit<HttpServerTelemetryOptions, 'clock'>;
  /** Register as this service on listen. */
  readonly service?: string;
  readonly loggerProvider?: LoggerProvider;
}

export interface RunningApp {
  readonly url: string;
  /** The instance id, once registered (rejects when registration failed). */
  readonly registered: Promise<string>;
  close(): Promise<void>;
}

async function proxy(sy: ServerRequestContext): Promise<{ status: number; text: string }> {
  const upstream = await sy.fetch('catalog', '/x');
  return { status: upstream.status, text: await upstream.text() };
}

function misconfigured(registry: StaticRegistry): never {
  createClient({ registry, timeoutMs: -1 } as ClientOptions);
  throw new Error('unreachable: createClient accepted a negative timeout');
}

async function startExpress(options: AppOptions): Promise<RunningApp> {
  const { registry } = options;
  const app = express();
  const sy = switchyard({ clientOptions: { ...options.client, registry }, telemetry: options.telemetry });
  app.use(sy);
  app.get('/proxy', async (req, res) => {
    const { status, text } = await proxy(req.switchyard);
    res.status(status).send(text);
  });
  app.get('/config', () => misconfigured(registry));
  app.use(switchyardErrorHandler());
  const listening = await listen(app);
  const lifecycle =
    options.service === undefined
      ? undefined
      : registerOnListen(listening.server, {
          registry,
          registration: { service: options.service },
          ...(options.loggerProvider === undefined ? {} : { loggerProvider: options.loggerProvider }),
          onError: () => {},
        });
  const registered = lifecycle?.registered ?? Promise.reject(new Error('no registration'));
  registered.catch(() => {});
  return {
    url: listening.url,
    registered,
    close: async () => {
      await lifecycle?.shutdown();
      await listening.close();
      await sy.close();
    },
  };
}

async function startNest(options: AppOptions): Promise<RunningApp> {
  const { registry } = options;
  @Controller()
  class ProxyController {
    @Get('proxy')
    async proxy(@SwitchyardRequest() sy: ServerRequestContext): Promise<string> {
      const { status, text } = await proxy(sy);
      if (status !== 200) throw new Error(`unexpected upstream status ${status}`);
      return text;
    }
    @Get('config')
    config(): never {
      return misconfigured(registry);
    }
  }
  @Module({
    imports: [
      SwitchyardModule.forRoot({
        registry,
        client: options.client,
        telemetry: {
          ...options.telemetry,
          ...(options.loggerProvider === undefined ? {} : { loggerProvider: options.loggerProvider }),
        },
        ...(options.service === undefined ? {} : { registration: { service: options.service } }),
      }),
    ],
    controllers: [ProxyController],
  })
  class AppModule {}
  const app: INestApplication = await NestFactory.create(AppModule, { logger: new RecordingLogger() });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const registered = app.get(SwitchyardLifecycle).whenRegistered();
  return { url: `http://127.0.0.1:${port}`, registered, close: () => app.close() };
}

export function startApp(adapter: Adapter, options: AppOptions): Promise<RunningApp> {
  return adapter === 'express' ? startExpress(options) : startNest(options);
}
