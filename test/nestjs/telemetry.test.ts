// Server telemetry: a SERVER span per request named after the route, child of the caller's
// W3C trace context and parent of the client's attempt spans (whose traceparent reaches the
// downstream service), and http.server.request.duration; off when another instrumentation owns it.
import { readFileSync } from 'node:fs';
import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { BrokenCircuitError, type ServiceClient, StaticRegistry, SwitchyardTelemetry } from '@switchyard/core';
import { TELEMETRY_METRICS } from '@switchyard/core/semconv';
import {
  InjectSwitchyardClient,
  SERVER_INSTRUMENTATION_SCOPE,
  SERVER_INSTRUMENTATION_VERSION,
  SwitchyardModule,
  type SwitchyardServerTelemetryOptions,
} from '@switchyard/nestjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Deferred, deferred } from '../support/deferred.js';
import { createInMemoryOtel, type InMemoryOtel, installGlobalContext } from '../support/otel.js';
import {
  type Downstream,
  type ResponseTracker,
  type RunningApp,
  startApp,
  startDownstream,
  trackResponses,
} from './support.js';

@Controller('items')
class ItemsController {
  constructor(@InjectSwitchyardClient() private readonly client: ServiceClient) {}

  @Get(':id')
  async get(@Param('id') id: string): Promise<unknown> {
    const res = await this.client.fetch('catalog', `/catalog/${id}`);
    return { status: res.status };
  }

  @Post()
  @HttpCode(201)
  create(): { created: true } {
    return { created: true };
  }

  @Get(':id/broken')
  broken(): never {
    throw new BrokenCircuitError(2_000);
  }

  /** Answers only once the test lets it, so the client can go away first. */
  @Get(':id/slow')
  async slow(): Promise<{ late: true }> {
    slowArrived.resolve();
    await slowRelease.promise;
    return { late: true };
  }
}

let slowArrived: Deferred<void>;
let slowRelease: Deferred<void>;

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
/** The context key of instrumentation-http's RPC metadata (`createContextKey` is a `Symbol.for`). */
const RPC_METADATA_KEY = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');
const CALLER_SPAN_ID = 'b7ad6b7169203331';

let otel: InMemoryOtel;
let downstream: Downstream;
let registry: StaticRegistry;
let clientTelemetry: SwitchyardTelemetry;
let running: RunningApp | undefined;
let responses: ResponseTracker;

let uninstall: () => void;
beforeAll(() => {
  uninstall = installGlobalContext();
});
afterAll(() => uninstall());

beforeEach(async () => {
  otel = createInMemoryOtel();
  downstream = await startDownstream('catalog');
  registry = new StaticRegistry({
    services: { catalog: [{ id: 'catalog-1', host: '127.0.0.1', port: downstream.port }] },
  });
  clientTelemetry = new SwitchyardTelemetry({
    tracerProvider: otel.tracerProvider,
    meterProvider: otel.meterProvider,
    httpInstrumentation: 'switchyard',
  });
});

afterEach(async () => {
  await running?.app.close();
  running = undefined;
  clientTelemetry.dispose();
  await registry.close();
  await downstream.close();
  await otel.shutdown();
});

async function start(
  telemetry: SwitchyardServerTelemetryOptions | false = {},
  setup?: (app: RunningApp['app']) => void,
) {
  const serverTelemetry =
    telemetry === false
      ? false
      : { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider, ...telemetry };
  running = await startApp(
    {
      imports: [
        SwitchyardModule.forRoot({
          registry,
          client: { telemetry: clientTelemetry, retry: false },
          telemetry: serverTelemetry,
        }),
      ],
      controllers: [ItemsController],
    },
    (nest) => {
      responses = trackResponses(nest);
      setup?.(nest);
    },
  );
  return running;
}

const isServer = (span: ReadableSpan) => span.kind === SpanKind.SERVER;

describe('server spans', () => {
  it('one SERVER span per request, named after the route, child of the incoming traceparent', async () => {
    const app = await start();
    const res = await fetch(`${app.url}/items/42?color=red&sig=secret`, {
      headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`, 'user-agent': 'switchyard-test' },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const server = await otel.spans.waitFor(isServer);

    expect(server.name).toBe('GET /items/:id');
    expect(server.instrumentationScope).toMatchObject({
      name: SERVER_INSTRUMENTATION_SCOPE,
      version: SERVER_INSTRUMENTATION_VERSION,
    });
    expect(server.spanContext().traceId).toBe(TRACE_ID);
    expect(server.parentSpanContext?.spanId).toBe(CALLER_SPAN_ID);
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/items/:id',
      'url.path': '/items/42',
      'url.query': 'color=red&sig=REDACTED',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'server.port': app.port,
      'http.response.status_code': 200,
      'network.protocol.version': '1.1',
      'user_agent.original': 'switchyard-test',
      'client.address': '127.0.0.1',
    });
    expect(server.attributes['error.type']).toBeUndefined();
    await responses.finished(1);
    expect(otel.spans.ended.filter(isServer)).toHaveLength(1);
  });

  it('the client call made by the handler is a child of the server span, and its traceparent reaches the downstream', async () => {
    const app = await start();
    await (
      await fetch(`${app.url}/items/7`, { headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` } })
    ).text();
    const server = await otel.spans.waitFor(isServer);
    const attempt = await otel.spans.waitFor((s) => s.kind === SpanKind.CLIENT);

    expect(attempt.spanContext().traceId).toBe(TRACE_ID);
    expect(attempt.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    const sent = downstream.requests[0]?.headers.traceparent;
    expect(sent).toBe(`00-${TRACE_ID}-${attempt.spanContext().spanId}-01`);
  });

  it('starts a new trace without an incoming traceparent', async () => {
    const app = await start();
    await (await fetch(`${app.url}/items/1`)).text();
    const server = await otel.spans.waitFor(isServer);
    expect(server.parentSpanContext).toBeUndefined();
    expect(server.spanContext().traceId).not.toBe(TRACE_ID);
  });

  it('5xx from the exception filter: ERROR status and error.type; a route with its own status keeps it', async () => {
    const app = await start();
    expect((await fetch(`${app.url}/items/1/broken`)).status).toBe(503);
    const failed = await otel.spans.waitFor((s) => isServer(s) && s.name === 'GET /items/:id/broken');
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes).toMatchObject({
      'http.response.status_code': 503,
      'error.type': 'SWITCHYARD_BROKEN_CIRCUIT',
    });
    expect(failed.events.map((e) => e.name)).toEqual(['exception']);

    expect((await fetch(`${app.url}/items`, { method: 'POST' })).status).toBe(201);
    const created = await otel.spans.waitFor((s) => isServer(s) && s.name === 'POST /items');
    expect(created.status.code).toBe(SpanStatusCode.UNSET);
    expect(created.attributes['http.response.status_code']).toBe(201);
  });

  it('a client that went away before the answer: switchyard.request.aborted, recorded as 499, not an error', async () => {
    slowArrived = deferred<void>();
    slowRelease = deferred<void>();
    const app = await start();
    const abort = new AbortController();
    const pending = fetch(`${app.url}/items/1/slow`, { signal: abort.signal }).catch(() => undefined);
    await slowArrived.promise;
    abort.abort();
    await pending;
    const server = await otel.spans.waitFor(isServer);
    slowRelease.resolve();
    expect(server.name).toBe('GET /items/:id/slow');
    expect(server.attributes['switchyard.request.aborted']).toBe(true);
    expect(server.attributes['http.response.status_code']).toBe(499);
    expect(server.attributes['error.type']).toBeUndefined();
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('http.server.request.duration', () => {
  it('is recorded per request with route, method, status and error.type', async () => {
    const app = await start();
    await (await fetch(`${app.url}/items/1`)).text();
    await (await fetch(`${app.url}/items/2`)).text();
    await (await fetch(`${app.url}/items/3/broken`)).text();
    await responses.finished(3);
    expect(otel.spans.ended.filter(isServer)).toHaveLength(3);

    const metric = (await otel.metrics()).get(TELEMETRY_METRICS.httpServerRequestDuration.name);
    expect(metric?.descriptor.unit).toBe('s');
    const points = (metric?.dataPoints ?? []) as DataPoint<Histogram>[];
    const ok = points.find((p) => p.attributes['http.route'] === '/items/:id');
    const broken = points.find((p) => p.attributes['http.route'] === '/items/:id/broken');
    expect(ok?.attributes).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'http.route': '/items/:id',
      'http.response.status_code': 200,
      'network.protocol.version': '1.1',
    });
    expect(ok?.value.count).toBe(2);
    expect(broken?.attributes).toMatchObject({
      'http.response.status_code': 503,
      'error.type': 'SWITCHYARD_BROKEN_CIRCUIT',
    });
    expect(broken?.value.count).toBe(1);
  });
});

describe('turning it off', () => {
  it("httpInstrumentation: 'external' makes no server span (the client still traces)", async () => {
    const app = await start({ httpInstrumentation: 'external' });
    await (await fetch(`${app.url}/items/1`)).text();
    await otel.spans.waitFor((s) => s.kind === SpanKind.CLIENT);
    await responses.finished(1);
    expect(otel.spans.ended.filter(isServer)).toEqual([]);
    expect((await otel.metrics()).get(TELEMETRY_METRICS.httpServerRequestDuration.name)).toBeUndefined();
  });

  it('telemetry: false makes no server span', async () => {
    const app = await start(false);
    await (await fetch(`${app.url}/items/1`)).text();
    await otel.spans.waitFor((s) => s.kind === SpanKind.CLIENT);
    await responses.finished(1);
    expect(otel.spans.ended.filter(isServer)).toEqual([]);
  });

  it("'auto' defers to @opentelemetry/instrumentation-http: no span of its own, the route reported, the trace joined", async () => {
    // Stands in for instrumentation-http: its span active around the request, its RPC metadata in the context.
    const metadata: { type: string; route?: string } = { type: 'http' };
    const app = await start({}, (nest) => {
      nest.use((_req: unknown, res: { once(e: string, f: () => void): void }, next: () => void) => {
        const span = otel.tracerProvider.getTracer('external').startSpan('external', { kind: SpanKind.SERVER });
        res.once('finish', () => span.end());
        const ctx = trace.setSpan(context.active(), span).setValue(RPC_METADATA_KEY, metadata);
        context.with(ctx, next);
      });
    });
    await (await fetch(`${app.url}/items/1`)).text();
    const attempt = await otel.spans.waitFor((s) => s.kind === SpanKind.CLIENT);
    const external = await otel.spans.waitFor((s) => s.name === 'external');
    await responses.finished(1);
    expect(otel.spans.ended.filter((s) => isServer(s) && s.name !== 'external')).toEqual([]);
    expect(attempt.parentSpanContext?.spanId).toBe(external.spanContext().spanId);
    expect(metadata.route).toBe('/items/:id');
  });

  it("'auto' makes its span under an unrelated active span (a context leaked from startup, say)", async () => {
    const app = await start({}, (nest) => {
      nest.use((_req: unknown, _res: unknown, next: () => void) => {
        const span = otel.tracerProvider.getTracer('external').startSpan('leaked');
        context.with(trace.setSpan(context.active(), span), next);
        span.end();
      });
    });
    await (await fetch(`${app.url}/items/1`)).text();
    const server = await otel.spans.waitFor((s) => isServer(s) && s.name === 'GET /items/:id');
    expect(server.instrumentationScope.name).toBe(SERVER_INSTRUMENTATION_SCOPE);
  });

  it("'external' without an active span still continues the caller's trace", async () => {
    const app = await start({ httpInstrumentation: 'external' });
    await (
      await fetch(`${app.url}/items/1`, { headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` } })
    ).text();
    const attempt = await otel.spans.waitFor((s) => s.kind === SpanKind.CLIENT);
    expect(attempt.spanContext().traceId).toBe(TRACE_ID);
    expect(attempt.parentSpanContext?.spanId).toBe(CALLER_SPAN_ID);
  });

  it("'switchyard' makes its span even under instrumentation-http", async () => {
    const app = await start({ httpInstrumentation: 'switchyard' }, (nest) => {
      nest.use((_req: unknown, _res: unknown, next: () => void) => {
        context.with(context.active().setValue(RPC_METADATA_KEY, { type: 'http' }), next);
      });
    });
    await (await fetch(`${app.url}/items/1`)).text();
    const server = await otel.spans.waitFor((s) => isServer(s) && s.name === 'GET /items/:id');
    expect(server.instrumentationScope.name).toBe(SERVER_INSTRUMENTATION_SCOPE);
  });
});

it('the instrumentation version is the package version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../packages/nestjs/package.json', import.meta.url), 'utf8'));
  expect(SERVER_INSTRUMENTATION_VERSION).toBe(pkg.version);
});
