import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, type DiagLogger, DiagLogLevel, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  type ClientOptions,
  createClient,
  createInstance,
  type ServiceClient,
  StaticRegistry,
  SwitchyardTelemetry,
} from '@switchyard/core';
import { isConfigError } from '@switchyard/core/internal';
import { TELEMETRY_METRICS } from '@switchyard/core/semconv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred } from '../../../../test/support/deferred.js';
import { channels } from '../../src/events/channels.js';
import { startTelemetry, type TelemetryHandle } from '../../src/telemetry/setup.js';
import { startServer, type TestServer } from '../client/servers.js';
import { TestMetricReader } from './support.js';

let handle: TelemetryHandle | undefined;
const servers: Server[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await handle?.shutdown();
  handle = undefined;
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  diag.disable();
  vi.restoreAllMocks();
});

async function listen(handler: (req: IncomingMessage, body: string) => void): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handler(req, Buffer.concat(chunks).toString('latin1'));
      res.statusCode = 200;
      res.end();
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

/** A real client of `cart` (`instances`, else one never connected to) observed by `telemetry`; closed after the test. */
function observedClient(
  telemetry: SwitchyardTelemetry,
  options: Omit<ClientOptions, 'registry' | 'telemetry'> & {
    instances?: Array<{ id: string; host: string; port: number }>;
  } = {},
): ServiceClient {
  const { instances = [{ id: 'cart-1', host: '127.0.0.1', port: 1 }], ...rest } = options;
  const registry = new StaticRegistry({ services: { cart: instances } });
  const client = createClient({ ...rest, registry, telemetry });
  cleanups.push(async () => {
    await client.close();
    await registry.close();
  });
  return client;
}

/** A span (`call cart`), a metric (the call's duration) and a log record (the retry budget ran dry). */
async function recordSomething(telemetry: SwitchyardTelemetry): Promise<void> {
  const client = observedClient(telemetry, {
    breaker: false,
    retry: { initialDelayMs: 0, budget: { ratio: 0, minRetriesPerSecond: 0 } },
  });
  await client.call('cart', () => Promise.reject(reset())).catch(() => {});
}

describe('startTelemetry', () => {
  it("'none' registers W3C propagation, context and the providers globally, and unregisters on shutdown", async () => {
    const spans = new InMemorySpanExporter();
    const logRecords = new InMemoryLogRecordExporter();
    const reader = new TestMetricReader();
    handle = await startTelemetry({
      serviceName: 'shop',
      serviceVersion: '1.2.3',
      exporter: 'none',
      diagLogLevel: 'none',
      spanProcessors: [new SimpleSpanProcessor(spans)],
      metricReaders: [reader],
      logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: logRecords })],
    });
    expect(metrics.getMeterProvider()).toBe(handle.meterProvider);
    expect(handle.metricsUrl).toBeUndefined();

    // SwitchyardTelemetry with no providers given finds the globals.
    const telemetry = new SwitchyardTelemetry({ httpInstrumentation: 'switchyard' });
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('handler', async (parent) => {
      // The async context manager carries the active span across awaits.
      await Promise.resolve();
      const attempt = telemetry.attemptTracer.start({
        service: 'cart',
        instance: createInstance({ id: 'cart-1', host: '10.0.0.1', port: 81 }, 'cart'),
        resendCount: 0,
        parentContext: context.active(),
        http: { method: 'GET', url: 'http://10.0.0.1:81/' },
      });
      if (attempt === undefined) throw new Error('no attempt handle');
      const headers: Record<string, string> = {};
      attempt.inject(headers);
      attempt.end({ statusCode: 200 });
      parent.end();
      expect(headers.traceparent).toMatch(new RegExp(`^00-${parent.spanContext().traceId}-[0-9a-f]{16}-01$`));
    });
    // Published on behalf of a client this telemetry observes.
    const client = observedClient(telemetry);
    channels.retryBudgetExhausted.publish({ client, service: 'cart', attempts: 1, error: reset() });

    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => s.name).sort()).toEqual(['GET', 'handler']);
    expect(finished[0]!.resource.attributes['service.name']).toBe('shop');
    expect(finished[0]!.resource.attributes['service.version']).toBe('1.2.3');
    expect(typeof finished[0]!.resource.attributes['service.instance.id']).toBe('string');
    expect(logRecords.getFinishedLogRecords().map((r) => r.eventName)).toEqual(['switchyard.retry_budget.exhausted']);
    const { resourceMetrics } = await reader.collect();
    const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
    expect(names).toContain(TELEMETRY_METRICS.httpClientRequestDuration.name);

    await handle.shutdown();
    await handle.shutdown();
    expect(metrics.getMeterProvider()).not.toBe(handle.meterProvider);
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), finished[0]! as never), carrier);
    expect(carrier).toEqual({});
  });

  it('leaves globals someone else registered alone', async () => {
    const first = await startTelemetry({ serviceName: 'first', exporter: 'none', diagLogLevel: 'none' });
    try {
      handle = await startTelemetry({ serviceName: 'second', exporter: 'none', diagLogLevel: 'none' });
      expect(metrics.getMeterProvider()).toBe(first.meterProvider);
      await handle.shutdown();
      expect(metrics.getMeterProvider()).toBe(first.meterProvider);
    } finally {
      await first.shutdown();
    }
  });

  it("'console' prints spans, metrics and logs and shuts down cleanly", async () => {
    const dir = vi.spyOn(console, 'dir').mockImplementation(() => {});
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    handle = await startTelemetry({ serviceName: 'shop', exporter: 'console', diagLogLevel: 'none' });
    await recordSomething(new SwitchyardTelemetry());
    await handle.forceFlush();
    await handle.shutdown();
    const printed = [...dir.mock.calls, ...log.mock.calls].map((args) => JSON.stringify(args[0] ?? ''));
    expect(printed.some((p) => p.includes('call cart'))).toBe(true);
    expect(printed.some((p) => p.includes('switchyard.client.call.duration'))).toBe(true);
    expect(printed.some((p) => p.includes('switchyard.retry_budget.exhausted'))).toBe(true);
  });

  it("'prometheus' serves /metrics over HTTP on 127.0.0.1 (port 0 picks a free port)", async () => {
    handle = await startTelemetry({
      serviceName: 'shop',
      exporter: 'prometheus',
      prometheus: { port: 0 },
      diagLogLevel: 'none',
    });
    expect(handle.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const telemetry = new SwitchyardTelemetry({ httpInstrumentation: 'switchyard' });
    const cart: TestServer = await startServer('cart-1', { status: 503 });
    cleanups.push(() => cart.close());
    const client = observedClient(telemetry, {
      instances: [{ id: cart.id, host: '127.0.0.1', port: cart.port }],
      retry: false,
      breaker: false,
      bulkhead: { maxConcurrent: 10 },
    });
    const answer = await client.fetch('cart', '/');
    expect(answer.status).toBe(503);
    await answer.arrayBuffer();
    // Four calls held in the bulkhead while /metrics is scraped.
    const gate = deferred();
    let admitted = 0;
    const held = Array.from({ length: 4 }, () =>
      client.call('cart', () => {
        admitted++;
        return gate.promise;
      }),
    );
    for (let turn = 0; admitted < 4; turn++) {
      if (turn > 1_000) throw new Error(`only ${admitted} of 4 calls admitted`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    cleanups.push(async () => {
      gate.resolve('done');
      await Promise.all(held);
    });

    const response = await fetch(handle.metricsUrl!);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(
      /switchyard_client_call_duration_bucket\{[^}]*switchyard_service="cart",switchyard_outcome="failure",error_type="503"[^}]*le="0.5"\} 1/,
    );
    expect(text).toMatch(/http_client_request_duration_count\{[^}]*http_request_method="GET"/);
    expect(text).toMatch(/switchyard_bulkhead_in_flight\{[^}]*switchyard_service="cart"[^}]*\} 4/);

    const notFound = await fetch(new URL('/other', handle.metricsUrl));
    expect(notFound.status).toBe(404);
    await notFound.arrayBuffer();

    const url = handle.metricsUrl!;
    await handle.shutdown();
    await expect(fetch(url)).rejects.toThrow();
  });

  it('a taken Prometheus port is reported, not thrown', async () => {
    const taken = await listen(() => {});
    const errors: unknown[] = [];
    diag.setLogger(capture(errors), DiagLogLevel.ERROR);
    handle = await startTelemetry({
      serviceName: 'shop',
      exporter: 'prometheus',
      prometheus: { port: Number(new URL(taken).port) },
      diagLogLevel: 'none',
    });
    expect(handle.metricsUrl).toBeUndefined();
    expect(errors.join(' ')).toMatch(/Prometheus endpoint/);
  });

  it("'otlp' posts traces, metrics and logs to the collector endpoint", async () => {
    const received: string[] = [];
    const endpoint = await listen((req) => received.push(`${req.method} ${req.url}`));
    handle = await startTelemetry({
      serviceName: 'shop',
      exporter: 'otlp',
      otlp: { endpoint: `${endpoint}/`, timeoutMillis: 2_000 },
      diagLogLevel: 'none',
    });
    await recordSomething(new SwitchyardTelemetry());
    await handle.forceFlush();
    expect(received.sort()).toEqual(['POST /v1/logs', 'POST /v1/metrics', 'POST /v1/traces']);
  });

  it('an unreachable collector never throws: failures go to diag', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    const errors: unknown[] = [];
    diag.setLogger(capture(errors), DiagLogLevel.ERROR);
    handle = await startTelemetry({
      serviceName: 'shop',
      exporter: { traces: 'otlp', metrics: 'none', logs: 'none' },
      otlp: { endpoint: `http://127.0.0.1:${port}`, timeoutMillis: 300 },
      diagLogLevel: 'none',
    });
    await recordSomething(new SwitchyardTelemetry());
    await expect(handle.forceFlush()).resolves.toBeUndefined();
    await expect(handle.shutdown()).resolves.toBeUndefined();
    expect(errors.length).toBeGreaterThan(0);
  });

  it('rejects bad options with ConfigError naming the option, registering nothing', async () => {
    const meterProvider = metrics.getMeterProvider();
    const loggerProvider = logs.getLoggerProvider();
    const bad = [
      [{ serviceName: '' }, 'serviceName'],
      [{ serviceName: 's', exporter: 'zipkin' }, 'exporter'],
      [{ serviceName: 's', exporter: { metrics: 'jaeger' } }, 'exporter.metrics'],
      [{ serviceName: 's', prometheus: { port: 70_000 } }, 'prometheus.port'],
      [{ serviceName: 's', otlp: { headers: { a: 1 } } }, 'otlp.headers.a'],
      [{ serviceName: 's', diagLogLevel: 'loud' }, 'diagLogLevel'],
    ] as const;
    for (const [options, option] of bad) {
      const error = await startTelemetry(options as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isConfigError(error), option).toBe(true);
      expect((error as { option: string }).option).toBe(option);
    }
    expect(metrics.getMeterProvider()).toBe(meterProvider);
    expect(logs.getLoggerProvider()).toBe(loggerProvider);
  });
});

function capture(into: unknown[]): DiagLogger {
  const push = (message: string, ...args: unknown[]) => {
    into.push([message, ...args.map(String)].join(' '));
  };
  return { error: push, warn: push, info: () => {}, debug: () => {}, verbose: () => {} };
}
