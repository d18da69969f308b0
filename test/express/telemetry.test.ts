import { createServer } from 'node:http';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { getRPCMetadata, type RPCMetadata, RPCType, setRPCMetadata } from '@opentelemetry/core';
import type { Histogram, MetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { BrokenCircuitError, createClient, type HttpInstrumentationMode, StaticRegistry } from '@switchyard/core';
import { TELEMETRY_ATTRIBUTES as ATTR, DURATION_BUCKETS_SECONDS, TELEMETRY_METRICS } from '@switchyard/core/semconv';
import { type ServerTelemetryOptions, switchyard, switchyardErrorHandler } from '@switchyard/express';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryOtel, type InMemoryOtel, installGlobalContext } from '../support/otel.js';
import {
  deferred,
  type Listening,
  listen,
  PARENT_SPAN_ID,
  send,
  startDownstream,
  TRACE_ID,
  TRACEPARENT,
} from './support.js';

const DURATION = TELEMETRY_METRICS.httpServerRequestDuration.name;

let uninstall: () => void;
beforeAll(() => {
  uninstall = installGlobalContext();
});
afterAll(() => uninstall());

let otel: InMemoryOtel;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await otel.shutdown();
});

/** An app with the middleware reporting to a fresh in-memory SDK; `build` adds routes. */
async function appWith(
  build: (app: express.Express) => void,
  telemetry: Omit<ServerTelemetryOptions, 'tracerProvider' | 'meterProvider'> = {},
): Promise<Listening> {
  otel = createInMemoryOtel();
  const registry = new StaticRegistry();
  const client = createClient({ registry, telemetry: false });
  cleanups.push(() => client.close());
  const app = express();
  app.use(
    switchyard({
      client,
      telemetry: { ...telemetry, tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider },
    }),
  );
  build(app);
  app.use(switchyardErrorHandler());
  const server = await listen(app);
  cleanups.push(() => server.close());
  return server;
}

function serverSpans(): ReadableSpan[] {
  return otel.spans.ended.filter((s) => s.kind === SpanKind.SERVER);
}

function onlyServerSpan(): ReadableSpan {
  const spans = serverSpans();
  expect(spans).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

/** Waits until the response's 'close' ended the span (it runs just after the client got the answer). */
async function settled(count = 1): Promise<void> {
  for (let i = 0; i < 100 && serverSpans().length < count; i++) await new Promise((r) => setImmediate(r));
}

async function durationPoints(): Promise<Array<{ attributes: Record<string, unknown>; value: Histogram }>> {
  const metric = (await otel.metrics()).get(DURATION) as MetricData | undefined;
  if (metric === undefined) return [];
  return metric.dataPoints as Array<{ attributes: Record<string, unknown>; value: Histogram }>;
}

describe('server span', () => {
  it('is a SERVER span named {method} {route}, child of the incoming traceparent, with semconv attributes', async () => {
    const server = await appWith((app) => {
      app.get('/items/:id', (_req, res) => {
        res.json({ ok: true });
      });
    });
    await send(`${server.url}/items/42?sig=secret&page=2`, {
      headers: { traceparent: TRACEPARENT, 'user-agent': 'test-agent/1.0' },
    }).response;
    await settled();
    const span = onlyServerSpan();
    expect(span.name).toBe('GET /items/:id');
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.instrumentationScope.name).toBe('@switchyard/express');
    expect(span.attributes).toMatchObject({
      [ATTR.httpRequestMethod]: 'GET',
      [ATTR.urlPath]: '/items/42',
      [ATTR.urlQuery]: 'sig=REDACTED&page=2',
      [ATTR.urlScheme]: 'http',
      [ATTR.httpRoute]: '/items/:id',
      [ATTR.httpResponseStatusCode]: 200,
      [ATTR.serverAddress]: '127.0.0.1',
      [ATTR.serverPort]: server.port,
      [ATTR.networkProtocolVersion]: '1.1',
      [ATTR.clientAddress]: '127.0.0.1',
      [ATTR.userAgentOriginal]: 'test-agent/1.0',
    });
    expect(span.attributes[ATTR.errorType]).toBeUndefined();
  });

  it('includes the router mount path in the route', async () => {
    const server = await appWith((app) => {
      const api = express.Router();
      api.get('/orders/:orderId', (_req, res) => {
        res.sendStatus(204);
      });
      app.use('/api', api);
    });
    await send(`${server.url}/api/orders/9`).response;
    await settled();
    expect(onlyServerSpan().name).toBe('GET /api/orders/:orderId');
  });

  it('is named {method} alone, without http.route, when no route matched', async () => {
    const server = await appWith(() => {});
    const res = await send(`${server.url}/nowhere`).response;
    expect(res.status).toBe(404);
    await settled();
    const span = onlyServerSpan();
    expect(span.name).toBe('GET');
    expect(span.attributes[ATTR.httpRoute]).toBeUndefined();
    expect(span.attributes[ATTR.httpResponseStatusCode]).toBe(404);
    // 4xx is the client's problem: no error on a server span.
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks 5xx as errors with error.type = the status code', async () => {
    const server = await appWith((app) => {
      app.get('/fail', (_req, res) => {
        res.sendStatus(500);
      });
    });
    await send(`${server.url}/fail`).response;
    await settled();
    const span = onlyServerSpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[ATTR.errorType]).toBe('500');
  });

  it('uses the Switchyard error code as error.type and keeps the route seen inside a router', async () => {
    const server = await appWith((app) => {
      const api = express.Router();
      api.get('/cart/:id', async (req) => {
        // The call notes the route; the error then leaves the router, which resets req.baseUrl.
        await req.switchyard.call('cart', async () => {
          throw new BrokenCircuitError(1_000);
        });
      });
      app.use('/api', api);
    });
    // No instances in the registry: the call fails before the function runs.
    const res = await send(`${server.url}/api/cart/1`).response;
    expect(res.status).toBe(503);
    await settled();
    const span = onlyServerSpan();
    expect(span.name).toBe('GET /api/cart/:id');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[ATTR.errorType]).toBe('SWITCHYARD_NO_INSTANCES');
    expect(span.events.map((e) => e.name)).toContain('exception');
  });

  it('maps unknown methods to _OTHER and names the span HTTP', async () => {
    const server = await appWith((app) => {
      app.all('/any', (_req, res) => {
        res.sendStatus(204);
      });
    });
    await send(`${server.url}/any`, { method: 'PURGE' }).response;
    await settled();
    const span = onlyServerSpan();
    expect(span.name).toBe('HTTP /any');
    expect(span.attributes[ATTR.httpRequestMethod]).toBe('_OTHER');
    expect(span.attributes[ATTR.httpRequestMethodOriginal]).toBe('PURGE');
  });

  it('is the active span in handlers, and the parent of downstream client spans', async () => {
    otel = createInMemoryOtel();
    const downstream = await startDownstream();
    cleanups.push(() => downstream.close());
    const registry = new StaticRegistry({ services: { catalog: [{ host: '127.0.0.1', port: downstream.port }] } });
    const client = createClient({
      registry,
      telemetry: { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider },
    });
    cleanups.push(() => client.close());
    const app = express();
    app.use(
      switchyard({ client, telemetry: { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider } }),
    );
    let activeInHandler: string | undefined;
    app.get('/fan-out', async (req, res) => {
      activeInHandler = trace.getActiveSpan()?.spanContext().spanId;
      await (await req.switchyard.fetch('catalog', '/a')).arrayBuffer();
      res.sendStatus(204);
    });
    const server = await listen(app);
    cleanups.push(() => server.close());
    await send(`${server.url}/fan-out`, { headers: { traceparent: TRACEPARENT } }).response;
    await settled();
    const serverSpan = onlyServerSpan();
    const clientSpan = otel.spans.ended.find((s) => s.kind === SpanKind.CLIENT);
    expect(activeInHandler).toBe(serverSpan.spanContext().spanId);
    expect(clientSpan?.parentSpanContext?.spanId).toBe(serverSpan.spanContext().spanId);
    const sent = String(downstream.requests[0]?.headers.traceparent).split('-');
    expect(sent[1]).toBe(TRACE_ID);
    expect(sent[2]).toBe(clientSpan?.spanContext().spanId);
  });

  it('marks a request whose client went away, recorded as 499 when no status was sent', async () => {
    const closed = deferred<void>();
    const arrived = deferred<void>();
    const server = await appWith((app) => {
      app.get('/slow', (_req, res) => {
        res.on('close', () => closed.resolve());
        arrived.resolve();
      });
    });
    const pending = send(`${server.url}/slow`);
    pending.response.catch(() => {});
    await arrived.promise;
    pending.abort();
    await closed.promise;
    await settled();
    const span = onlyServerSpan();
    expect(span.attributes[ATTR.requestAborted]).toBe(true);
    // No response was sent: 499 (nginx's "client closed request"), not an error.
    expect(span.attributes[ATTR.httpResponseStatusCode]).toBe(499);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('http.server.request.duration', () => {
  it('records one point per request with method, scheme, route, status and protocol version', async () => {
    const server = await appWith((app) => {
      app.get('/items/:id', (_req, res) => {
        res.json({});
      });
    });
    await send(`${server.url}/items/1`).response;
    await send(`${server.url}/items/2`).response;
    await settled(2);
    const points = await durationPoints();
    expect(points).toHaveLength(1);
    const [point] = points;
    expect(point?.attributes).toEqual({
      [ATTR.httpRequestMethod]: 'GET',
      [ATTR.urlScheme]: 'http',
      [ATTR.httpRoute]: '/items/:id',
      [ATTR.httpResponseStatusCode]: 200,
      [ATTR.networkProtocolVersion]: '1.1',
    });
    expect(point?.value.count).toBe(2);
    expect(point?.value.buckets.boundaries).toEqual(DURATION_BUCKETS_SECONDS);
    const metric = (await otel.metrics()).get(DURATION);
    expect(metric?.descriptor.unit).toBe('s');
  });

  it('carries error.type for 5xx', async () => {
    const server = await appWith((app) => {
      app.get('/down', (_req, res) => {
        res.sendStatus(503);
      });
    });
    await send(`${server.url}/down`).response;
    await settled();
    const [point] = await durationPoints();
    expect(point?.attributes[ATTR.errorType]).toBe('503');
    expect(point?.attributes[ATTR.httpRoute]).toBe('/down');
  });
});

describe('httpInstrumentation', () => {
  /** Stands in for @opentelemetry/instrumentation-http: a span and its RPC metadata in the request's context. */
  async function underHttpInstrumentation(
    mode: HttpInstrumentationMode,
    beforeRoutes: (app: express.Express) => void = () => {},
  ): Promise<{ server: Listening; metadata: RPCMetadata[]; downstreamTraceparents: () => string[] }> {
    otel = createInMemoryOtel();
    const downstream = await startDownstream();
    cleanups.push(() => downstream.close());
    const registry = new StaticRegistry({ services: { catalog: [{ host: '127.0.0.1', port: downstream.port }] } });
    // Client telemetry on the global (no-op) API: it injects the active trace context.
    const client = createClient({ registry });
    cleanups.push(() => client.close());
    const app = express();
    app.use(
      switchyard({
        client,
        telemetry: {
          httpInstrumentation: mode,
          tracerProvider: otel.tracerProvider,
          meterProvider: otel.meterProvider,
        },
      }),
    );
    beforeRoutes(app);
    app.get('/items/:id', async (req, res) => {
      await (await req.switchyard.fetch('catalog', '/x')).arrayBuffer();
      res.sendStatus(204);
    });
    const metadata: RPCMetadata[] = [];
    const tracer = otel.tracerProvider.getTracer('fake-instrumentation-http');
    const server = await listen(
      createServer((req, res) => {
        const span = tracer.startSpan('GET', { kind: SpanKind.SERVER });
        const rpc: RPCMetadata = { type: RPCType.HTTP, span };
        metadata.push(rpc);
        res.on('close', () => span.end());
        context.with(setRPCMetadata(trace.setSpan(ROOT_CONTEXT, span), rpc), () => app(req, res));
      }),
    );
    cleanups.push(() => server.close());
    return {
      server,
      metadata,
      downstreamTraceparents: () => downstream.requests.map((r) => String(r.headers.traceparent)),
    };
  }

  it("'auto' leaves the span to instrumentation-http, continues its trace and tells it the route", async () => {
    const { server, metadata, downstreamTraceparents } = await underHttpInstrumentation('auto');
    await send(`${server.url}/items/3`).response;
    await settled();
    const spans = serverSpans();
    expect(spans.map((s) => s.instrumentationScope.name)).toEqual(['fake-instrumentation-http']);
    expect(metadata[0]?.route).toBe('/items/:id');
    expect(downstreamTraceparents()[0]?.split('-')[1]).toBe(spans[0]?.spanContext().traceId);
    expect(await durationPoints()).toHaveLength(0);
  });

  it('a route set by instrumentation-express wins over ours', async () => {
    const { server, metadata } = await underHttpInstrumentation('auto', (app) => {
      // instrumentation-express assigns the route on the RPC metadata while routing.
      app.use((_req, _res, next) => {
        const rpc = getRPCMetadata(context.active());
        if (rpc !== undefined) rpc.route = '/from-express/:id';
        next();
      });
    });
    await send(`${server.url}/items/3`).response;
    expect(metadata[0]?.route).toBe('/from-express/:id');
  });

  it("'switchyard' makes its own span even then", async () => {
    const { server } = await underHttpInstrumentation('switchyard');
    await send(`${server.url}/items/3`).response;
    await settled(2);
    expect(
      serverSpans()
        .map((s) => s.instrumentationScope.name)
        .sort(),
    ).toEqual(['@switchyard/express', 'fake-instrumentation-http']);
  });

  it("'external' without any instrumentation makes no span but still continues the caller's trace", async () => {
    const server = await appWith(
      (app) => {
        app.get('/x', (req, res) => {
          res.json({ traceId: trace.getSpanContext(req.switchyard.context)?.traceId });
        });
      },
      { httpInstrumentation: 'external' },
    );
    const res = await send(`${server.url}/x`, { headers: { traceparent: TRACEPARENT } }).response;
    expect(JSON.parse(res.body)).toEqual({ traceId: TRACE_ID });
    expect(otel.spans.ended).toHaveLength(0);
    expect(await durationPoints()).toHaveLength(0);
  });

  it('telemetry: false records nothing', async () => {
    otel = createInMemoryOtel();
    const client = createClient({ registry: new StaticRegistry(), telemetry: false });
    cleanups.push(() => client.close());
    const app = express();
    app.use(switchyard({ client, telemetry: false }));
    app.get('/x', (_req, res) => {
      res.sendStatus(204);
    });
    const server = await listen(app);
    cleanups.push(() => server.close());
    await send(`${server.url}/x`).response;
    expect(otel.spans.ended).toHaveLength(0);
  });
});
