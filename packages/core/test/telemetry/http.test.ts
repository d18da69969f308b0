import * as diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Context, context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlwaysOffSampler } from '@opentelemetry/sdk-trace-base';
import {
  createInstance,
  type Instance,
  NoInstancesError,
  SwitchyardError,
  SwitchyardTelemetry,
} from '@switchyard/core';
import type { AttemptHandle } from '@switchyard/core/internal';
import { TELEMETRY_METRICS } from '@switchyard/core/semconv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../client/servers.js';
import { createHarness, type Harness, type Histogram, metricNamed, onePoint } from './support.js';

const cart = createInstance({ id: 'cart-1', host: '10.0.0.7', port: 8080 }, 'cart');
const url = new URL('http://10.0.0.7:8080/items?limit=5');
const DURATION = TELEMETRY_METRICS.httpClientRequestDuration.name;

let h: Harness;
afterEach(async () => {
  await h.shutdown();
});

beforeAll(() => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  propagation.disable();
});

interface AttemptOptions {
  readonly service: string;
  /** Default: cart-1 (10.0.0.7:8080). */
  readonly instance?: Instance;
  readonly resendCount?: number;
  /** Default: the active context. */
  readonly parentContext?: Context;
}

/** Starts an attempt the way the client's attempt-span stage does, for `client.fetch`. */
function httpAttempt(options: AttemptOptions & { method: string; url: URL | string }): AttemptHandle {
  return started(options, { method: options.method, url: String(options.url) });
}

/** Starts an attempt the way the client's attempt-span stage does, for `client.call`. */
function callAttempt(options: AttemptOptions): AttemptHandle {
  return started(options, undefined);
}

function started(options: AttemptOptions, http: { method: string; url: string } | undefined): AttemptHandle {
  const handle = h.telemetry.attemptTracer.start({
    service: options.service,
    instance: options.instance ?? cart,
    resendCount: options.resendCount ?? 0,
    parentContext: options.parentContext ?? context.active(),
    http,
  });
  if (handle === undefined) throw new Error('the attempt tracer gave no handle');
  return handle;
}

function fetchFailed(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code} 10.0.0.7:8080`), { code }) });
}

describe('HTTP attempts (switchyard mode)', () => {
  it('makes one CLIENT span per attempt with the stable HTTP attributes', () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    const attempt = httpAttempt({ method: 'GET', url, service: 'cart', instance: cart });
    h.clock.advance(42);
    attempt.end({ statusCode: 200 });

    const spans = h.spans();
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.name).toBe('GET');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'server.address': '10.0.0.7',
      'server.port': 8080,
      'url.scheme': 'http',
      'url.full': 'http://10.0.0.7:8080/items?limit=5',
      'http.response.status_code': 200,
      'switchyard.service': 'cart',
      'switchyard.instance.id': 'cart-1',
    });
    expect(span.instrumentationScope.name).toBe('@switchyard/core');
  });

  it('records http.client.request.duration in seconds with the advised buckets and semconv attributes only', async () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    const attempt = httpAttempt({
      method: 'POST',
      url,
      service: 'cart',
      instance: cart,
      resendCount: 2,
    });
    h.clock.advance(250);
    attempt.end({ statusCode: 201 });

    const metric = metricNamed(await h.metrics(), DURATION);
    expect(metric.descriptor.unit).toBe('s');
    const point = onePoint<Histogram>(metric);
    expect(point.attributes).toEqual({
      'http.request.method': 'POST',
      'server.address': '10.0.0.7',
      'server.port': 8080,
      'url.scheme': 'http',
      'http.response.status_code': 201,
    });
    expect(point.value.count).toBe(1);
    expect(point.value.sum).toBeCloseTo(0.25, 9);
    expect(point.value.buckets.boundaries).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ]);
  });

  it('retries are sibling spans under the same parent, resend_count only when > 0', () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    const tracer = h.tracerProvider.getTracer('test');
    const parent = tracer.startSpan('handler');
    const parentContext = trace.setSpan(context.active(), parent);
    for (let resendCount = 0; resendCount < 3; resendCount++) {
      const attempt = httpAttempt({ method: 'GET', url, service: 'cart', resendCount, parentContext });
      attempt.end(resendCount < 2 ? { statusCode: 503 } : { statusCode: 200 });
    }
    parent.end();

    const attempts = h.spans().filter((s) => s.name === 'GET');
    expect(attempts).toHaveLength(3);
    expect(attempts.map((s) => s.attributes['http.request.resend_count'])).toEqual([undefined, 1, 2]);
    for (const span of attempts) {
      expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(parent.spanContext().traceId);
    }
    expect(new Set(attempts.map((s) => s.spanContext().spanId)).size).toBe(3);
  });

  it('4xx and 5xx are errors on client spans with error.type = the status code', async () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    for (const statusCode of [404, 503]) {
      httpAttempt({ method: 'GET', url, service: 'cart', instance: cart }).end({ statusCode });
    }
    const [notFound, unavailable] = h.spans();
    expect(notFound!.status.code).toBe(SpanStatusCode.ERROR);
    expect(notFound!.attributes['error.type']).toBe('404');
    expect(unavailable!.attributes['error.type']).toBe('503');
    expect(unavailable!.status.message).toBeUndefined();
    const metric = metricNamed(await h.metrics(), DURATION);
    expect(onePoint(metric, { 'http.response.status_code': 503 }).attributes['error.type']).toBe('503');
  });

  it('network errors: error.type from the cause code, exception recorded, no status code', async () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    httpAttempt({ method: 'GET', url, service: 'cart', instance: cart }).end({ error: fetchFailed('ECONNREFUSED') });
    const span = h.spans()[0]!;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('ECONNREFUSED');
    expect(span.attributes['http.response.status_code']).toBeUndefined();
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    const point = onePoint(metricNamed(await h.metrics(), DURATION));
    expect(point.attributes['error.type']).toBe('ECONNREFUSED');
    expect(point.attributes['http.response.status_code']).toBeUndefined();
  });

  it('timeouts are errors with error.type = timeout', () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    httpAttempt({ method: 'GET', url, service: 'cart' }).end({
      error: new SwitchyardError('SWITCHYARD_TIMEOUT', 'Operation timed out after 500 ms'),
    });
    httpAttempt({ method: 'GET', url, service: 'cart' }).end({
      error: new DOMException('The operation timed out.', 'TimeoutError'),
    });
    expect(h.spans().map((s) => [s.status.code, s.attributes['error.type']])).toEqual([
      [SpanStatusCode.ERROR, 'timeout'],
      [SpanStatusCode.ERROR, 'timeout'],
    ]);
  });

  it('an abort by the caller is not an error: no error status, no error.type, no duration', async () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    const controller = new AbortController();
    controller.abort();
    httpAttempt({ method: 'GET', url, service: 'cart' }).end({ error: controller.signal.reason });
    httpAttempt({ method: 'GET', url, service: 'cart' }).end({ error: new Error('gave up'), aborted: true });
    const spans = h.spans();
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes['error.type']).toBeUndefined();
      expect(span.attributes['switchyard.attempt.aborted']).toBe(true);
      expect(span.events).toHaveLength(0);
    }
    expect((await h.metrics()).get(DURATION)?.dataPoints ?? []).toHaveLength(0);
  });

  it('unknown methods become _OTHER (span HTTP), case variants are canonicalised, originals kept', () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    httpAttempt({ method: 'FROB', url, service: 'cart' }).end({ statusCode: 200 });
    httpAttempt({ method: 'patch', url, service: 'cart' }).end({ statusCode: 200 });
    const [other, patch] = h.spans();
    expect(other!.name).toBe('HTTP');
    expect(other!.attributes['http.request.method']).toBe('_OTHER');
    expect(other!.attributes['http.request.method_original']).toBe('FROB');
    expect(patch!.name).toBe('PATCH');
    expect(patch!.attributes['http.request.method']).toBe('PATCH');
    expect(patch!.attributes['http.request.method_original']).toBe('patch');
  });

  it('knownHttpMethods overrides the list', () => {
    h = createHarness({ httpInstrumentation: 'switchyard', knownHttpMethods: ['GET', 'FROB'] });
    httpAttempt({ method: 'FROB', url, service: 'cart' }).end({ statusCode: 200 });
    httpAttempt({ method: 'POST', url, service: 'cart' }).end({ statusCode: 200 });
    expect(h.spans().map((s) => s.name)).toEqual(['FROB', 'HTTP']);
  });

  it('url.full never carries credentials or signatures; default ports are filled in', () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    const secret = new URL('https://user:pa55@shop.example/cart?sig=abc&limit=5&X-Amz-Signature=def#top');
    httpAttempt({ method: 'GET', url: secret, service: 'cart' }).end({ statusCode: 200 });
    const span = h.spans()[0]!;
    expect(span.attributes['url.full']).toBe(
      'https://REDACTED:REDACTED@shop.example/cart?sig=REDACTED&limit=5&X-Amz-Signature=REDACTED#top',
    );
    expect(span.attributes['server.port']).toBe(443);
    expect(span.attributes['server.address']).toBe('shop.example');
  });

  it('IPv6 server.address has no brackets', () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    httpAttempt({ method: 'GET', url: new URL('http://[::1]:9000/'), service: 'cart' }).end({ statusCode: 200 });
    expect(h.spans()[0]!.attributes['server.address']).toBe('::1');
  });

  it('records the duration metric even when the span is sampled out', async () => {
    h = createHarness({ httpInstrumentation: 'switchyard', sampler: new AlwaysOffSampler() });
    const attempt = httpAttempt({ method: 'GET', url, service: 'cart', instance: cart });
    h.clock.advance(10);
    attempt.end({ statusCode: 200 });
    expect(h.spans()).toHaveLength(0);
    expect(onePoint<Histogram>(metricNamed(await h.metrics(), DURATION)).value.count).toBe(1);
  });

  it('end() is idempotent', async () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    const attempt = httpAttempt({ method: 'GET', url, service: 'cart' });
    attempt.end({ statusCode: 200 });
    attempt.end({ statusCode: 500 });
    expect(h.spans()).toHaveLength(1);
    expect(onePoint<Histogram>(metricNamed(await h.metrics(), DURATION)).value.count).toBe(1);
  });

  it('inject writes the attempt span as traceparent, and a real server receives it', async () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    const server = createServer((req, res) => {
      res.end(String(req.headers.traceparent ?? ''));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const target = new URL(`http://127.0.0.1:${port}/items`);
      const attempt = httpAttempt({ method: 'GET', url: target, service: 'cart' });
      const headers = new Headers();
      attempt.inject(headers);
      const response = await fetch(target, { headers });
      const received = await response.text();
      attempt.end({ statusCode: response.status });

      const span = h.spans()[0]!;
      expect(received).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
      expect(span.attributes['server.port']).toBe(port);
    } finally {
      server.close();
    }
  });

  it('inject writes the attempt span, a child of the given parent context, into a plain record', () => {
    h = createHarness({ httpInstrumentation: 'switchyard' });
    const parent = h.tracerProvider.getTracer('test').startSpan('x');
    const headers: Record<string, string> = {};
    const attempt = httpAttempt({
      method: 'GET',
      url,
      service: 'cart',
      parentContext: trace.setSpan(context.active(), parent),
    });
    attempt.inject(headers);
    attempt.end({ statusCode: 200 });
    parent.end();
    const span = h.spans().find((s) => s.name === 'GET')!;
    expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(headers.traceparent).toBe(`00-${parent.spanContext().traceId}-${span.spanContext().spanId}-01`);
  });
});

describe('external HTTP instrumentation', () => {
  it("'external' emits no HTTP span, no http.client.request.duration and injects nothing; switchyard metrics stay", async () => {
    h = createHarness({ httpInstrumentation: 'external' });
    const attempt = httpAttempt({ method: 'GET', url, service: 'cart', instance: cart });
    const headers: Record<string, string> = {};
    attempt.inject(headers);
    h.clock.advance(5);
    attempt.end({ statusCode: 503 });
    expect(headers).toEqual({});

    // The same through a real client and server: no trace header reaches the server.
    const server = await startServer('cart-2', { status: 503 });
    try {
      const client = h.client({
        instances: { cart: [{ id: server.id, host: '127.0.0.1', port: server.port }] },
        retry: false,
        breaker: false,
      });
      const response = await client.fetch('cart', '/items');
      expect(response.status).toBe(503);
      await response.arrayBuffer();
      expect(server.requests[0]?.headers.traceparent).toBeUndefined();
    } finally {
      await server.close();
    }

    expect(h.spans()).toHaveLength(0);
    const metrics = await h.metrics();
    expect(metrics.get(DURATION)?.dataPoints ?? []).toHaveLength(0);
    expect(onePoint(metricNamed(metrics, TELEMETRY_METRICS.callDuration.name)).attributes).toEqual({
      'switchyard.service': 'cart',
      'switchyard.outcome': 'failure',
      'error.type': '503',
    });
  });

  it("'external' still traces non-HTTP attempts", () => {
    h = createHarness({ httpInstrumentation: 'external' });
    callAttempt({ service: 'cart', instance: cart }).end();
    expect(h.spans().map((s) => s.name)).toEqual(['call cart']);
  });

  it("'auto' defers to whoever subscribes to undici:request:create, checked per attempt", () => {
    h = createHarness();
    expect(h.telemetry.httpInstrumentation).toBe('auto');
    expect(h.telemetry.attemptTracer.httpIsExternal()).toBe(false);
    const listener = () => {};
    diagnosticsChannel.subscribe('undici:request:create', listener);
    try {
      expect(h.telemetry.attemptTracer.httpIsExternal()).toBe(true);
      httpAttempt({ method: 'GET', url, service: 'cart' }).end({ statusCode: 200 });
      expect(h.spans()).toHaveLength(0);
    } finally {
      diagnosticsChannel.unsubscribe('undici:request:create', listener);
    }
    expect(h.telemetry.attemptTracer.httpIsExternal()).toBe(false);
    httpAttempt({ method: 'GET', url, service: 'cart' }).end({ statusCode: 200 });
    expect(h.spans()).toHaveLength(1);
  });
});

describe('non-HTTP attempts', () => {
  it('span `call {service}` with instance attributes and resend count', () => {
    h = createHarness();
    callAttempt({ service: 'cart', instance: cart }).end();
    callAttempt({ service: 'cart', instance: cart, resendCount: 1 }).end({ error: new NoInstancesError('cart') });
    const [first, second] = h.spans();
    expect(first!.name).toBe('call cart');
    expect(first!.kind).toBe(SpanKind.CLIENT);
    expect(first!.attributes).toEqual({
      'switchyard.service': 'cart',
      'switchyard.instance.id': 'cart-1',
      'server.address': '10.0.0.7',
      'server.port': 8080,
    });
    expect(second!.attributes['switchyard.resend_count']).toBe(1);
    expect(second!.attributes['error.type']).toBe('SWITCHYARD_NO_INSTANCES');
    expect(second!.status.code).toBe(SpanStatusCode.ERROR);
  });
});

describe('options', () => {
  it('rejects bad options with ConfigError naming the option', () => {
    expect(() => createHarness({ httpInstrumentation: 'sometimes' as never })).toThrow(
      /telemetry\.httpInstrumentation/,
    );
    expect(() => createHarness({ logIntervalMs: -1 })).toThrow(/telemetry\.logIntervalMs/);
    expect(() => createHarness({ clock: Date as never })).toThrow(/telemetry\.clock/);
    expect(() => createHarness({ knownHttpMethods: 'GET' as never })).toThrow(/telemetry\.knownHttpMethods/);
    expect(() => new SwitchyardTelemetry({ meterProvider: {} as never })).toThrow(/telemetry\.meterProvider/);
    h = createHarness();
  });
});
