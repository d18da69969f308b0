// Case 8 (secrets): plant credentials, query tokens, an Authorization header and an ACL-like
// token, drive real calls through the client and both adapters (answers, 500s, refused
// connections, timeouts, failed registrations), then grep every exported signal — spans,
// metrics, log records, process warnings, `switchyard:*` event messages, the errors callers
// get and the problem bodies servers send — for each planted secret.
import * as diagnosticsChannel from 'node:diagnostics_channel';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { Controller, Get, type INestApplication, type LoggerService, Module, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  type ClientOptions,
  createClient,
  type Registration,
  type ServiceClient,
  StaticRegistry,
  SWITCHYARD_CHANNELS,
} from '@switchyard/core';
import { ConsulRegistry } from '@switchyard/core/consul';
import type { ServerRequestContext } from '@switchyard/core/server';
import { registerOnListen, switchyard, switchyardErrorHandler } from '@switchyard/express';
import { SwitchyardLifecycle, SwitchyardModule, SwitchyardRequest } from '@switchyard/nestjs';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedPort, startServer, type TestServer } from '../../packages/core/test/client/servers.js';
import { listen, send } from '../express/support.js';
import { installGlobalContext, TestMetricReader } from '../support/otel.js';

// The planted secrets: each distinct, so a hit names what leaked.
const USER = 'plantuser';
const PASSWORD = 'pl4ntedPassw0rd';
const SECRETS = {
  'user:password': `${USER}:${PASSWORD}`,
  password: PASSWORD,
  username: USER,
  'query token': 'qtok-7f3a91c2',
  'query api_key': 'qapi-2b8c44d1',
  'query access_token': 'qacc-9d1e05f3',
  'query password': 'qpwd-4c6f12a8',
  'query client_secret': 'qcls-6e0b37d4',
  'query X-Amz-Signature': 'qsig-1a2b3c4d',
  'authorization header': 'hdrtok-5e7d29b6',
  'ACL token': '3f1c9e2a-7b4d-4e8f-a1c6-5d2b8e9f0a7c',
} as const;
const SECRET_QUERY =
  `token=${SECRETS['query token']}&api_key=${SECRETS['query api_key']}` +
  `&access_token=${SECRETS['query access_token']}&password=${SECRETS['query password']}` +
  `&client_secret=${SECRETS['query client_secret']}&X-Amz-Signature=${SECRETS['query X-Amz-Signature']}&page=2`;
const SECRET_PATH = `/items?${SECRET_QUERY}`;
const AUTHORIZATION = `Bearer ${SECRETS['authorization header']}`;

/** Everything a signal carried, as text, under the signal's name. */
const captured: Array<{ signal: string; text: string }> = [];
const capture = (signal: string, value: unknown): void => {
  captured.push({ signal, text: typeof value === 'string' ? value : inspect(value, { depth: null }) });
};
/** Errors the test's own transports threw: the caller's own objects, which Switchyard must not alter. */
const ownErrors = new WeakSet<object>();

// --- the in-memory SDK ---------------------------------------------------------------
const spanExporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
const metricReader = new TestMetricReader();
const meterProvider = new MeterProvider({ readers: [metricReader] });
const logExporter = new InMemoryLogRecordExporter();
const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
const telemetry = { tracerProvider, meterProvider, loggerProvider, httpInstrumentation: 'switchyard' as const };
// Express's middleware takes the server telemetry; its lifecycle (registerOnListen) takes the logger provider.
const serverTelemetry = { tracerProvider, meterProvider, httpInstrumentation: 'switchyard' as const };

/** Text of an error and its cause chain, stopping at errors the caller's own code threw. */
function describeCallerError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (typeof current === 'object' && ownErrors.has(current)) break;
    const e = current as { message?: unknown; stack?: unknown; cause?: unknown };
    parts.push(String(e.message), String(e.stack), safeJson(current));
    current = e.cause;
  }
  if (!chainHasOwn(error)) parts.push(inspect(error, { depth: null }));
  return parts.join('\n');
}

function chainHasOwn(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    if (ownErrors.has(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    // Circular or a BigInt: inspect it instead, so its fields are still searched.
    return inspect(value, { depth: null });
  }
}

/** An event message with its live objects (client, registry, breaker) left out and its error described. */
function serializeMessage(message: unknown): string {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message as Record<string, unknown>)) {
    if (key === 'client' || key === 'registry' || key === 'breaker' || key === 'bulkhead') continue;
    fields[key] = key === 'error' ? describeCallerError(value) : value;
  }
  return inspect(fields, { depth: null });
}

/** Every caller-visible rejection, or the response the caller got. */
async function outcome(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    const result = await call();
    if (result instanceof Response) capture(`${what}: response`, `${result.status} ${await result.text()}`);
  } catch (error) {
    capture(`${what}: caller error`, describeCallerError(error));
  }
}

/**
 * A registry that finds instances like the static one but registers over HTTP at a URL with
 * credentials and a token, and quotes that URL when it fails, as HTTP clients' errors do.
 */
class HttpRegisteringRegistry extends StaticRegistry {
  constructor(
    config: ConstructorParameters<typeof StaticRegistry>[0],
    private readonly registerPort: number,
  ) {
    super(config);
  }

  override async register(registration: Registration): Promise<string> {
    const url = `http://127.0.0.1:${this.registerPort}/v1/agent/service/register?token=${SECRETS['ACL token']}`;
    try {
      await fetch(url, {
        method: 'PUT',
        headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
        body: JSON.stringify(registration),
      });
    } catch (error) {
      const shown = url.replace('http://', `http://${USER}:${PASSWORD}@`);
      const failure = new Error(`PUT ${shown} failed (X-Consul-Token: ${SECRETS['ACL token']})`, { cause: error });
      // The registry's own error: registration's caller gets it as it was thrown.
      ownErrors.add(failure);
      throw failure;
    }
    return super.register(registration);
  }
}

let uninstall: () => void;
const servers: TestServer[] = [];
let refused: number;
let registry: HttpRegisteringRegistry;
const warningsListener = (warning: Error) => {
  capture('process warning', `${warning.name}: ${warning.message}\n${warning.stack ?? ''}`);
};
const channelSubscribers: Array<[string, (message: unknown) => void]> = [];

beforeAll(async () => {
  uninstall = installGlobalContext();
  process.on('warning', warningsListener);
  for (const name of Object.values(SWITCHYARD_CHANNELS)) {
    const listener = (message: unknown) => capture(`event ${name}`, serializeMessage(message));
    diagnosticsChannel.subscribe(name, listener);
    channelSubscribers.push([name, listener]);
  }
  const ok = await startServer('ok-1');
  const failing = await startServer('err-1', { status: 500 });
  const hanging = await startServer('slow-1', { hang: true });
  servers.push(ok, failing, hanging);
  refused = await refusedPort();
  registry = new HttpRegisteringRegistry(
    {
      services: {
        ok: [{ id: 'ok-1', host: '127.0.0.1', port: ok.port }],
        err: [{ id: 'err-1', host: '127.0.0.1', port: failing.port }],
        down: [{ id: 'down-1', host: '127.0.0.1', port: refused }],
        slow: [{ id: 'slow-1', host: '127.0.0.1', port: hanging.port }],
        creds: [{ id: 'creds-1', host: '127.0.0.1', port: ok.port }],
      },
    },
    refused,
  );
});

afterAll(async () => {
  process.removeListener('warning', warningsListener);
  for (const [name, listener] of channelSubscribers) diagnosticsChannel.unsubscribe(name, listener);
  await registry.close();
  for (const server of servers) await server.close();
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
  uninstall();
});

const clientOptions: Omit<ClientOptions, 'registry'> = {
  telemetry,
  timeoutMs: 200,
  retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
};

/** A caller's own transport whose fetch refuses a URL with credentials and quotes it (undici does). */
async function ownTransport(instance: { host: string; port: number }, attempt: { signal: AbortSignal }) {
  try {
    return await fetch(`http://${USER}:${PASSWORD}@${instance.host}:${instance.port}${SECRET_PATH}`, {
      signal: attempt.signal,
    });
  } catch (error) {
    if (typeof error === 'object' && error !== null) ownErrors.add(error);
    throw error;
  }
}

/** Every kind of call, with the secrets in the path, the headers and a caller's own transport. */
async function driveCalls(client: ServiceClient, where: string): Promise<void> {
  const init = { headers: { authorization: AUTHORIZATION } };
  await outcome(`${where} ok`, () => client.fetch('ok', SECRET_PATH, init));
  await outcome(`${where} 500`, () => client.fetch('err', SECRET_PATH, init));
  await outcome(`${where} refused`, () => client.fetch('down', SECRET_PATH, init));
  await outcome(`${where} timeout`, () => client.fetch('slow', SECRET_PATH, init));
  await outcome(`${where} POST 500`, () => client.fetch('err', SECRET_PATH, { ...init, method: 'POST', body: 'x' }));
  await outcome(`${where} own transport`, () => client.call('creds', ownTransport));
}

async function startExpress(): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  const sy = switchyard({ clientOptions: { ...clientOptions, registry }, telemetry: serverTelemetry });
  app.use(sy);
  // The handler's error (the caller's own transport's) goes to the error handler: a server span exception.
  app.get('/proxy/creds', async (req, res) => {
    res.send(await req.switchyard.call('creds', ownTransport));
  });
  app.get('/proxy/:service', async (req, res) => {
    const upstream = await req.switchyard.fetch(req.params.service, SECRET_PATH, {
      headers: { authorization: AUTHORIZATION },
    });
    res.status(upstream.status).send(await upstream.text());
  });
  app.use(switchyardErrorHandler());
  // The app's own last handler, as in production (Express's development page would print the stack).
  app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).send('internal error');
  });
  const listening = await listen(app);
  // No onError: the failure goes out as a process warning, as it does by default.
  const lifecycle = registerOnListen(listening.server, { registry, registration: { service: 'shop' }, loggerProvider });
  await outcome('express registration', () => lifecycle.registered);
  return {
    url: listening.url,
    close: async () => {
      await lifecycle.shutdown();
      await listening.close();
      await sy.close();
    },
  };
}

async function startNest(): Promise<{ url: string; logger: ContextLogger; app: INestApplication }> {
  @Controller()
  class ProxyController {
    @Get('proxy')
    async proxy(@SwitchyardRequest() sy: ServerRequestContext, @Query('service') service: string): Promise<string> {
      if (service === 'creds') return String(await sy.call('creds', ownTransport));
      const upstream = await sy.fetch(service, SECRET_PATH, { headers: { authorization: AUTHORIZATION } });
      return `${upstream.status} ${await upstream.text()}`;
    }
  }
  @Module({
    imports: [
      SwitchyardModule.forRoot({
        registry,
        client: clientOptions,
        telemetry,
        registration: { service: 'shop-nest' },
      }),
    ],
    controllers: [ProxyController],
  })
  class AppModule {}
  const logger = new ContextLogger();
  const app: INestApplication = await NestFactory.create(AppModule, { logger });
  await app.listen(0, '127.0.0.1');
  await outcome('nest registration', () => app.get(SwitchyardLifecycle).whenRegistered());
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, logger, app };
}

/** Nest log lines with their context; Nest's own `ExceptionsHandler` report of a handler's error is the app's, not Switchyard's. */
class ContextLogger implements LoggerService {
  readonly entries: Array<{ level: string; message: string; context: string }> = [];
  log(message: unknown, ...rest: unknown[]): void {
    this.push('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.push('warn', message, rest);
  }
  debug(): void {}
  verbose(): void {}
  private push(level: string, message: unknown, rest: unknown[]): void {
    const context = rest.at(-1);
    this.entries.push({ level, message: [message, ...rest].map(String).join(' '), context: String(context) });
  }
}

/** Each planted secret's hits in every captured signal. */
function leaks(): string[] {
  const found: string[] = [];
  for (const { signal, text } of captured) {
    for (const [name, secret] of Object.entries(SECRETS)) {
      const hits = text.split(secret).length - 1;
      if (hits > 0) found.push(`${signal}: ${name} ×${hits}`);
    }
  }
  return found;
}

describe('case 8: no planted secret reaches any signal', () => {
  it('client, Express and NestJS under answers, 500s, refused connections, timeouts and failed registrations', async () => {
    // A watcher whose own error quotes a URL with credentials: Switchyard's process warning must not.
    const watcher = registry.watch('ok', () => {
      const failure = new Error(`listener could not reach http://${USER}:${PASSWORD}@127.0.0.1/?${SECRET_QUERY}`);
      ownErrors.add(failure);
      throw failure;
    });

    // A mistyped option holding a URL with credentials: the ConfigError quotes what it received.
    await outcome('bad option', async () =>
      createClient({ registry, scheme: `http://${USER}:${PASSWORD}@proxy/?token=${SECRETS['query token']}` as 'http' }),
    );

    // The client on its own.
    const client = createClient({ ...clientOptions, registry });
    await driveCalls(client, 'client');

    // A client whose Consul registry (ACL token configured) is unreachable.
    const consul = new ConsulRegistry({ host: '127.0.0.1', port: refused, token: SECRETS['ACL token'] });
    const consulClient = createClient({ ...clientOptions, registry: consul });
    await outcome('consul client', () => consulClient.fetch('cart', SECRET_PATH));
    const consulServer = await listen(express());
    const consulLifecycle = registerOnListen(consulServer.server, {
      registry: consul,
      registration: { service: 'shop-consul' },
      loggerProvider,
    });
    await outcome('consul registration', () => consulLifecycle.registered);
    await consulLifecycle.shutdown();
    await consulServer.close();

    // Express: requests whose own query carries secrets, proxied to each kind of upstream.
    const expressApp = await startExpress();
    for (const service of ['ok', 'err', 'down', 'slow', 'creds']) {
      const answer = await send(`${expressApp.url}/proxy/${service}?${SECRET_QUERY}`, {
        headers: { authorization: AUTHORIZATION },
      }).response;
      capture(`express ${service}: http answer`, `${answer.status} ${answer.body}`);
    }

    // NestJS: the same, through its module and lifecycle.
    const nest = await startNest();
    for (const service of ['ok', 'err', 'down', 'slow', 'creds']) {
      const answer = await send(`${nest.url}/proxy?service=${service}&${SECRET_QUERY}`, {
        headers: { authorization: AUTHORIZATION },
      }).response;
      capture(`nest ${service}: http answer`, `${answer.status} ${answer.body}`);
    }

    await expressApp.close();
    await nest.app.close();
    await client.close();
    await consulClient.close();
    await consul.close();
    watcher.dispose();

    for (const entry of nest.logger.entries) {
      if (entry.context !== 'ExceptionsHandler') capture(`nest logger ${entry.level}`, entry.message);
    }
    expect(nest.logger.entries.some((e) => e.context === 'Switchyard' && e.message.includes('register'))).toBe(true);
    for (const span of spanExporter.getFinishedSpans()) {
      capture(`span ${span.name}`, {
        name: span.name,
        attributes: span.attributes,
        status: span.status,
        events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
        links: span.links,
      });
    }
    const { resourceMetrics } = await metricReader.collect();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) capture(`metric ${metric.descriptor.name}`, metric.dataPoints);
    }
    for (const record of logExporter.getFinishedLogRecords()) {
      capture(`log ${record.eventName ?? ''}`, { body: record.body, attributes: record.attributes });
    }

    // The test saw what it meant to: every kind of failure, with the secrets actually sent.
    const signals = new Set(captured.map((c) => c.signal.split(' ')[0]));
    expect([...signals]).toEqual(
      expect.arrayContaining(['span', 'metric', 'log', 'event', 'process', 'nest', 'client', 'express']),
    );
    expect(captured.some((c) => c.signal === 'bad option: caller error' && c.text.includes('SWITCHYARD_CONFIG'))).toBe(
      true,
    );
    const spans = spanExporter.getFinishedSpans();
    expect(spans.some((s) => s.events.some((e) => e.name === 'exception'))).toBe(true);
    expect(spans.some((s) => s.attributes['url.full'] !== undefined)).toBe(true);
    expect(spans.some((s) => s.attributes['url.query'] !== undefined)).toBe(true);
    const warnings = captured.filter((c) => c.signal === 'process warning').map((c) => c.text);
    expect(warnings.some((text) => text.includes('could not register'))).toBe(true);
    expect(warnings.some((text) => text.includes('snapshot listener threw'))).toBe(true);
    expect(spans.some((s) => s.kind === 1 && s.events.some((e) => e.name === 'exception'))).toBe(true);
    expect(servers[1]?.requests.some((r) => r.url.includes(SECRETS['query token']))).toBe(true);
    expect(servers[0]?.requests.some((r) => r.headers.authorization === AUTHORIZATION)).toBe(true);
    const logEvents = logExporter.getFinishedLogRecords().map((r) => r.eventName);
    expect(logEvents).toContain('switchyard.lifecycle.error');
    expect(logEvents).toContain('switchyard.registry.watch_error');

    expect(leaks()).toEqual([]);
  });
});
