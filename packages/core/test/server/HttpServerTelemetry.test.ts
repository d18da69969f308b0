// HttpServerTelemetry on its own, with a plain request object and the getter an adapter
// would write: the SERVER span, http.server.request.duration, and who makes them.
import { type Attributes, context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, AlwaysOnSampler, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';
import { BrokenCircuitError, HttpStatusError } from '@switchyard/core';
import { isConfigError } from '@switchyard/core/internal';
import {
  DURATION_BUCKETS_SECONDS,
  httpServerSpanName,
  redactUrlQuery,
  TELEMETRY_METRICS,
} from '@switchyard/core/semconv';
import {
  type HttpServerRequestGetter,
  HttpServerTelemetry,
  type HttpServerTelemetryOptions,
} from '@switchyard/core/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../test/support/clock.js';
import {
  createInMemoryOtel,
  type InMemoryOtel,
  installGlobalContext,
  metricNamed,
  onePoint,
} from '../../../../test/support/otel.js';

const DURATION = TELEMETRY_METRICS.httpServerRequestDuration.name;
const SCOPE = { name: '@switchyard/test-adapter', version: '9.9.9' };
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const RPC_METADATA_KEY = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');

/** A framework's request as a test builds it. */
interface FakeRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  scheme?: string;
  httpVersion?: string;
  client?: string;
  /** What the framework has matched so far (only read through `LATE_ROUTE`). */
  route?: string;
}

/** Counts reads of what only recording spans need. */
let clientReads = 0;
const GETTER: HttpServerRequestGetter<FakeRequest> = {
  method: (r) => r.method,
  scheme: (r) => r.scheme ?? 'http',
  target: (r) => r.target,
  headers: (r) => r.headers,
  httpVersion: (r) => r.httpVersion,
  clientAddress: (r) => {
    clientReads++;
    return r.client;
  },
};
/** A framework that routes after the request started (as Express does). */
const LATE_ROUTE: HttpServerRequestGetter<FakeRequest> = { ...GETTER, route: (r) => r.route };

function request(overrides: Partial<FakeRequest> = {}): FakeRequest {
  return {
    method: 'GET',
    target: '/items/42',
    headers: { host: 'shop.example:8080', 'user-agent': 'test-agent/1.0' },
    httpVersion: '1.1',
    client: '10.0.0.9',
    ...overrides,
  };
}

/** Records the attributes each span was started with: what a sampler gets to see. */
class RecordingSampler implements Sampler {
  readonly seen: Attributes[] = [];
  private readonly inner = new AlwaysOnSampler();
  shouldSample(...args: Parameters<Sampler['shouldSample']>): SamplingResult {
    this.seen.push({ ...args[4] });
    return this.inner.shouldSample();
  }
  toString(): string {
    return 'RecordingSampler';
  }
}

let otel: InMemoryOtel;
let clock: ManualClock;

function telemetry(options: HttpServerTelemetryOptions = {}, sampler?: Sampler): HttpServerTelemetry {
  otel = createInMemoryOtel(sampler === undefined ? {} : { sampler });
  clock = new ManualClock(5_000);
  return new HttpServerTelemetry(SCOPE, {
    httpInstrumentation: 'switchyard',
    clock,
    ...options,
    tracerProvider: otel.tracerProvider,
    meterProvider: otel.meterProvider,
  });
}

function onlySpan() {
  expect(otel.spans.ended).toHaveLength(1);
  return otel.spans.ended[0]!;
}

let uninstall: () => void;
beforeAll(() => {
  uninstall = installGlobalContext();
});
afterAll(() => uninstall());
afterEach(async () => {
  clientReads = 0;
  await otel.shutdown();
});

describe('the SERVER span', () => {
  it('is named {method} {route}, child of the traceparent header, with the stable attributes', () => {
    const sampler = new RecordingSampler();
    const t = telemetry({}, sampler);
    const handle = t.start(
      request({
        target: '/items/42?sig=secret&page=2',
        headers: {
          host: 'shop.example:8080',
          'user-agent': 'agent/1',
          traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`,
        },
      }),
      GETTER,
      '/items/:id',
    );
    expect(trace.getSpan(handle.context)?.spanContext().traceId).toBe(TRACE_ID);
    handle.end({ statusCode: 200 });

    const span = onlySpan();
    expect(span.name).toBe('GET /items/:id');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.instrumentationScope).toMatchObject(SCOPE);
    expect(span.parentSpanContext?.spanId).toBe(CALLER_SPAN_ID);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    // Samplers see method, path, scheme, route and host; the rest is added only when recording.
    const atStart = {
      'http.request.method': 'GET',
      'url.path': '/items/42',
      'url.scheme': 'http',
      'http.route': '/items/:id',
      'server.address': 'shop.example',
      'server.port': 8080,
    };
    expect(sampler.seen).toEqual([atStart]);
    expect(span.attributes).toEqual({
      ...atStart,
      'url.query': 'sig=REDACTED&page=2',
      'network.protocol.version': '1.1',
      'client.address': '10.0.0.9',
      'user_agent.original': 'agent/1',
      'http.response.status_code': 200,
    });
  });

  it('takes a route known only at the end from the getter, renaming the span', async () => {
    const t = telemetry();
    const req = request();
    const handle = t.start(req, LATE_ROUTE);
    req.route = '/items/:id';
    handle.end({ statusCode: 200 });
    const span = onlySpan();
    expect(span.name).toBe('GET /items/:id');
    expect(span.attributes['http.route']).toBe('/items/:id');
    const point = onePoint<Histogram>(metricNamed(await otel.metrics(), DURATION));
    expect(point.attributes['http.route']).toBe('/items/:id');
  });

  it('is named {method} alone, without http.route, when no route matched', () => {
    const t = telemetry();
    t.start(request(), LATE_ROUTE).end({ statusCode: 404 });
    expect(onlySpan().name).toBe('GET');
    expect(onlySpan().attributes['http.route']).toBeUndefined();
  });

  it('canonicalises methods: upper-cases known ones, _OTHER (span HTTP) for the rest, keeping the original', () => {
    const t = telemetry({ knownHttpMethods: ['GET', 'FROB'] });
    t.start(request({ method: 'get' }), GETTER, '/a').end({ statusCode: 200 });
    t.start(request({ method: 'FROB' }), GETTER, '/b').end({ statusCode: 200 });
    t.start(request({ method: 'POST' }), GETTER, '/c').end({ statusCode: 200 });
    const [get, frob, post] = otel.spans.ended;
    expect(get?.name).toBe('GET /a');
    expect(get?.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.request.method_original': 'get' });
    expect(frob?.name).toBe('FROB /b');
    expect(frob?.attributes['http.request.method_original']).toBeUndefined();
    expect(post?.name).toBe('HTTP /c');
    expect(post?.attributes).toMatchObject({ 'http.request.method': '_OTHER', 'http.request.method_original': 'POST' });
  });

  it('splits url.path from url.query, leaving out a fragment and an empty query', () => {
    const t = telemetry();
    for (const target of ['/a?x=1#frag', '/b#frag?x=1', '/c?', '/d?X-Amz-Signature=s&sig=t&ok']) {
      t.start(request({ target }), GETTER).end({ statusCode: 200 });
    }
    const attrs = otel.spans.ended.map((s) => [s.attributes['url.path'], s.attributes['url.query']]);
    expect(attrs).toEqual([
      ['/a', 'x=1'],
      ['/b', undefined],
      ['/c', undefined],
      ['/d', 'X-Amz-Signature=REDACTED&sig=REDACTED&ok'],
    ]);
  });

  it('reads server.address and server.port from Host or :authority; the port defaults by scheme', () => {
    const t = telemetry();
    const hosts: Array<[Record<string, string>, string?]> = [
      [{ host: '[::1]:3000' }],
      [{ host: 'shop.example' }],
      [{ host: 'shop.example' }, 'https'],
      [{ host: 'shop.example:99999' }],
      [{ ':authority': 'shop.example:8443' }, 'https'],
      [{}],
    ];
    for (const [headers, scheme] of hosts) {
      t.start(request({ headers, ...(scheme === undefined ? {} : { scheme }) }), GETTER).end({ statusCode: 200 });
    }
    expect(otel.spans.ended.map((s) => [s.attributes['server.address'], s.attributes['server.port']])).toEqual([
      ['::1', 3000],
      ['shop.example', 80],
      ['shop.example', 443],
      ['shop.example', 80],
      ['shop.example', 8443],
      [undefined, undefined],
    ]);
  });

  it('reports HTTP/2 as network.protocol.version 2, and leaves it out when unknown', () => {
    const t = telemetry();
    t.start(request({ httpVersion: '2.0' }), GETTER).end({ statusCode: 200 });
    const { httpVersion: _, ...noVersion } = request();
    t.start(noVersion, GETTER).end({ statusCode: 200 });
    expect(otel.spans.ended.map((s) => s.attributes['network.protocol.version'])).toEqual(['2', undefined]);
  });

  it('reads what only recording spans need only when the span records; the duration is still recorded', async () => {
    const t = telemetry({}, new AlwaysOffSampler());
    t.start(request({ target: '/x?sig=1' }), GETTER, '/x').end({ statusCode: 200 });
    expect(otel.spans.ended).toHaveLength(0);
    expect(clientReads).toBe(0);
    expect(onePoint<Histogram>(metricNamed(await otel.metrics(), DURATION)).value.count).toBe(1);
  });
});

describe('errors and aborts', () => {
  it('only 5xx are errors: error.type is the error answered for, else the status', () => {
    const t = telemetry();
    t.start(request(), GETTER, '/a').end({ statusCode: 500 });
    t.start(request(), GETTER, '/b').end({ statusCode: 503, error: new BrokenCircuitError(1_000) });
    t.start(request(), GETTER, '/c').end({ statusCode: 502, error: new Error('plain') });
    t.start(request(), GETTER, '/d').end({
      statusCode: 502,
      error: new HttpStatusError(new Response(null, { status: 500 }), undefined),
    });
    t.start(request(), GETTER, '/e').end({ statusCode: 404, error: new Error('not found') });
    const [a, b, c, d, e] = otel.spans.ended;
    expect([a, b, c, d].map((s) => s?.attributes['error.type'])).toEqual([
      '500',
      'SWITCHYARD_BROKEN_CIRCUIT',
      '502',
      '502',
    ]);
    expect([a, b, c, d].map((s) => s?.status.code)).toEqual(Array(4).fill(SpanStatusCode.ERROR));
    expect(a?.events).toEqual([]);
    expect(b?.events.map((ev) => ev.name)).toEqual(['exception']);
    expect(e?.attributes['error.type']).toBeUndefined();
    expect(e?.status.code).toBe(SpanStatusCode.UNSET);
    expect(e?.events).toEqual([]);
  });

  it('an aborted request: switchyard.request.aborted, no error, no status, the error that met it kept as an event', async () => {
    const t = telemetry();
    const handle = t.start(request(), GETTER, '/things/:id');
    clock.advance(250);
    handle.end({ aborted: true, error: new DOMException('client left', 'AbortError') });
    handle.end({ statusCode: 200 }); // later calls do nothing
    const span = onlySpan();
    expect(span.attributes['switchyard.request.aborted']).toBe(true);
    expect(span.attributes['http.response.status_code']).toBeUndefined();
    expect(span.attributes['error.type']).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    const point = onePoint<Histogram>(metricNamed(await otel.metrics(), DURATION));
    expect(point.attributes).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'http.route': '/things/:id',
      'network.protocol.version': '1.1',
    });
    expect(point.value.count).toBe(1);
    expect(point.value.sum).toBeCloseTo(0.25, 9);
  });
});

describe('http.server.request.duration', () => {
  it('is a histogram in seconds with the advised buckets, from start to end on the injected clock', async () => {
    const t = telemetry();
    const handle = t.start(request(), GETTER, '/items/:id');
    clock.advance(42);
    handle.end({ statusCode: 503 });
    const metric = metricNamed(await otel.metrics(), DURATION);
    expect(metric.descriptor.unit).toBe('s');
    const point = onePoint<Histogram>(metric);
    expect(point.value.buckets.boundaries).toEqual(DURATION_BUCKETS_SECONDS);
    expect(point.value.sum).toBeCloseTo(0.042, 9);
    expect(point.attributes).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'http.route': '/items/:id',
      'network.protocol.version': '1.1',
      'http.response.status_code': 503,
      'error.type': '503',
    });
  });
});

describe('who makes the span', () => {
  /** Runs `fn` as instrumentation-http would: its span active, its RPC metadata in the context. */
  function underHttpInstrumentation<T>(metadata: { type: string; route?: string }, fn: () => T): T {
    const external = otel.tracerProvider.getTracer('external').startSpan('external', { kind: SpanKind.SERVER });
    const ctx = trace.setSpan(ROOT_CONTEXT, external).setValue(RPC_METADATA_KEY, metadata);
    try {
      return context.with(ctx, fn);
    } finally {
      external.end();
    }
  }

  it("'auto' leaves the span to instrumentation-http, joins its trace and tells it a route known at the start", async () => {
    const t = telemetry({ httpInstrumentation: 'auto' });
    const metadata: { type: string; route?: string } = { type: 'http' };
    let parentSpanId: string | undefined;
    let external: string | undefined;
    underHttpInstrumentation(metadata, () => {
      external = trace.getActiveSpan()?.spanContext().spanId;
      const handle = t.start(request(), GETTER, '/items/:id');
      parentSpanId = trace.getSpan(handle.context)?.spanContext().spanId;
      handle.end({ statusCode: 200 });
    });
    expect(parentSpanId).toBe(external);
    expect(metadata.route).toBe('/items/:id');
    expect(otel.spans.ended.map((s) => s.name)).toEqual(['external']);
    expect((await otel.metrics()).get(DURATION)).toBeUndefined();
  });

  it('a route known only later is read when instrumentation-http reads it; one someone assigns wins', () => {
    const t = telemetry({ httpInstrumentation: 'auto' });
    const req = request();
    const lazy: { type: string; route?: string } = { type: 'http' };
    underHttpInstrumentation(lazy, () => t.start(req, LATE_ROUTE));
    req.route = '/late/:id';
    expect(lazy.route).toBe('/late/:id');

    const assigned: { type: string; route?: string } = { type: 'http' };
    underHttpInstrumentation(assigned, () => t.start(req, LATE_ROUTE));
    assigned.route = '/from-express/:id';
    expect(assigned.route).toBe('/from-express/:id');

    const preset: { type: string; route?: string } = { type: 'http', route: '/preset' };
    underHttpInstrumentation(preset, () => t.start(req, GETTER, '/items/:id'));
    expect(preset.route).toBe('/preset');
  });

  it("'external' without any instrumentation makes nothing but continues the caller's traceparent", async () => {
    const t = telemetry({ httpInstrumentation: 'external' });
    const handle = t.start(
      request({ headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` } }),
      GETTER,
      '/items/:id',
    );
    handle.end({ statusCode: 500 });
    expect(trace.getSpanContext(handle.context)?.spanId).toBe(CALLER_SPAN_ID);
    expect(otel.spans.ended).toHaveLength(0);
    expect((await otel.metrics()).get(DURATION)).toBeUndefined();
  });

  it("'switchyard' makes its span even under instrumentation-http", () => {
    const t = telemetry({ httpInstrumentation: 'switchyard' });
    underHttpInstrumentation({ type: 'http' }, () => t.start(request(), GETTER, '/x').end({ statusCode: 200 }));
    expect(otel.spans.ended.map((s) => s.name).sort()).toEqual(['GET /x', 'external']);
  });
});

describe('options', () => {
  it.each([
    ['telemetry', 'yes'],
    ['telemetry.httpInstrumentation', { httpInstrumentation: 'both' }],
    ['telemetry.tracerProvider', { tracerProvider: {} }],
    ['telemetry.meterProvider', { meterProvider: { getTracer() {} } }],
    ['telemetry.knownHttpMethods', { knownHttpMethods: 'GET' }],
    ['telemetry.clock', { clock: Date }],
  ])('%s: a ConfigError naming the option', (option, value) => {
    otel = createInMemoryOtel();
    let thrown: unknown;
    try {
      new HttpServerTelemetry(SCOPE, value as HttpServerTelemetryOptions);
    } catch (error) {
      thrown = error;
    }
    expect(isConfigError(thrown) && thrown.option).toBe(option);
  });
});

describe('helpers', () => {
  it('httpServerSpanName: {method} {route}, HTTP for _OTHER', () => {
    expect(httpServerSpanName('GET', '/a/:id')).toBe('GET /a/:id');
    expect(httpServerSpanName('_OTHER', '/a')).toBe('HTTP /a');
    expect(httpServerSpanName('POST', undefined)).toBe('POST');
  });

  it("redactUrlQuery: secret keys in any case (the conventions' list and tokens, keys, passwords); the same string back when nothing changed", () => {
    expect(redactUrlQuery('Signature=a&signature=b&AWSAccessKeyId=c&x=sig&access_token=d&page=2')).toBe(
      'Signature=REDACTED&signature=REDACTED&AWSAccessKeyId=REDACTED&x=sig&access_token=REDACTED&page=2',
    );
    const clean = 'page=2&sort=asc';
    expect(redactUrlQuery(clean)).toBe(clean);
    expect(redactUrlQuery('sig')).toBe('sig');
  });
});

describe('issue 10 case 5: the no-op API', () => {
  it('with no SDK anywhere continues the traceparent without a span; a global tracer SDK registered later counts', () => {
    otel = createInMemoryOtel();
    const t = new HttpServerTelemetry(SCOPE, { httpInstrumentation: 'switchyard' });
    const headers = { host: 'shop.example', traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` };
    const before = t.start(request({ headers }), GETTER, '/items/:id');
    expect(trace.getSpanContext(before.context)).toMatchObject({ traceId: TRACE_ID, spanId: CALLER_SPAN_ID });
    before.end({ statusCode: 200 });
    expect(clientReads).toBe(0);
    trace.setGlobalTracerProvider(otel.tracerProvider);
    try {
      const after = t.start(request({ headers }), GETTER, '/items/:id');
      after.end({ statusCode: 200 });
      const span = onlySpan();
      expect(span.name).toBe('GET /items/:id');
      expect(span.parentSpanContext?.spanId).toBe(CALLER_SPAN_ID);
    } finally {
      trace.disable();
    }
  });
});
