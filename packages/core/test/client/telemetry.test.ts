// What the client reports through OpenTelemetry, read back from the SDK's in-memory exporters.
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { createClient, type ServiceClient, StaticRegistry } from '@switchyard/core';
import { TELEMETRY_METRICS } from '@switchyard/core/semconv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, metricNamed, pointsWhere } from '../telemetry/support.js';
import { startServer, type TestServer } from './servers.js';

let harness: Harness;
let servers: TestServer[];
let registry: StaticRegistry;
let client: ServiceClient;

beforeAll(() => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  propagation.disable();
  context.disable();
});

async function setup(statuses: number[]): Promise<void> {
  harness = createHarness({ httpInstrumentation: 'switchyard' });
  servers = await Promise.all(statuses.map((status, i) => startServer(`t${i}`, { status })));
  registry = new StaticRegistry({
    services: { cart: servers.map((s) => ({ id: s.id, host: '127.0.0.1', port: s.port })) },
  });
  client = createClient({
    registry,
    balancer: 'round-robin',
    telemetry: harness.telemetry,
    clock: harness.clock,
    retry: { initialDelayMs: 0, budget: false },
    breaker: { slidingWindowSize: 4, minimumNumberOfCalls: 2, waitDurationInOpenState: 60_000 },
  });
}

afterEach(async () => {
  await client.close();
  await registry.close();
  await Promise.all(servers.map((s) => s.close()));
  await harness.shutdown();
});

describe('client telemetry', () => {
  it('makes one CLIENT span per attempt, children of the caller, with resend_count on the retry', async () => {
    await setup([503, 200]);
    const tracer = harness.tracerProvider.getTracer('test');
    const parent = tracer.startSpan('checkout');
    const res = await context.with(trace.setSpan(ROOT_CONTEXT, parent), () => client.fetch('cart', '/items?x=1'));
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    parent.end();

    const attempts = harness.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(attempts).toHaveLength(2);
    const [first, second] = attempts as [(typeof attempts)[0], (typeof attempts)[0]];
    expect(first.name).toBe('GET');
    expect(first.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(second.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(first.attributes).toMatchObject({
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': servers[0]?.port,
      'http.response.status_code': 503,
      'error.type': '503',
      'switchyard.service': 'cart',
      'switchyard.instance.id': 't0',
    });
    expect(first.attributes['http.request.resend_count']).toBeUndefined();
    expect(second.attributes).toMatchObject({ 'http.response.status_code': 200, 'http.request.resend_count': 1 });
    expect(second.attributes['error.type']).toBeUndefined();

    // W3C trace context reached each server, naming that attempt's span.
    const header0 = servers[0]?.requests[0]?.headers.traceparent;
    const header1 = servers[1]?.requests[0]?.headers.traceparent;
    expect(header0).toBe(`00-${first.spanContext().traceId}-${first.spanContext().spanId}-01`);
    expect(header1).toBe(`00-${second.spanContext().traceId}-${second.spanContext().spanId}-01`);
  });

  it('records HTTP durations, the logical call, retries and picks under the documented names', async () => {
    await setup([503, 200]);
    await (await client.fetch('cart', '/')).arrayBuffer();
    const metrics = await harness.metrics();

    const http = metricNamed(metrics, TELEMETRY_METRICS.httpClientRequestDuration.name);
    expect(http.descriptor.unit).toBe('s');
    expect(pointsWhere(http, { 'http.response.status_code': 503, 'error.type': '503' })).toHaveLength(1);
    expect(pointsWhere(http, { 'http.response.status_code': 200 })).toHaveLength(1);

    const call = metricNamed(metrics, TELEMETRY_METRICS.callDuration.name);
    expect(call.descriptor.unit).toBe('s');
    expect(pointsWhere(call, { 'switchyard.service': 'cart', 'switchyard.outcome': 'success' })).toHaveLength(1);

    const retries = metricNamed(metrics, TELEMETRY_METRICS.retries.name);
    expect(pointsWhere<number>(retries, { 'switchyard.retry.reason': '503' })[0]?.value).toBe(1);

    const picks = metricNamed(metrics, TELEMETRY_METRICS.balancerPicks.name);
    // Per service and balancer; the instance each attempt went to is on its span.
    expect(
      pointsWhere<number>(picks, { 'switchyard.service': 'cart', 'switchyard.balancer': 'round-robin' })[0]?.value,
    ).toBe(2);
  });

  it('reports breakers per state, transitions and ejections per service, and names the instance in the log records', async () => {
    await setup([500, 200]);
    for (let i = 0; i < 8; i++) await (await client.fetch('cart', '/')).arrayBuffer();
    const metrics = await harness.metrics();

    const state = metricNamed(metrics, TELEMETRY_METRICS.breakerState.name);
    const byState = Object.fromEntries(
      pointsWhere<number>(state, { 'switchyard.service': 'cart' }).map((p) => [
        p.attributes['switchyard.circuit_breaker.state'],
        p.value,
      ]),
    );
    // t0 (500s) is open, t1 closed.
    expect(byState).toEqual({ closed: 1, open: 1, half_open: 0, isolated: 0 });

    const transitions = metricNamed(metrics, TELEMETRY_METRICS.breakerTransitions.name);
    expect(
      pointsWhere<number>(transitions, { 'switchyard.service': 'cart', 'switchyard.circuit_breaker.state': 'open' })[0]
        ?.value,
    ).toBe(1);
    const ejections = metricNamed(metrics, TELEMETRY_METRICS.instanceEjections.name);
    expect(pointsWhere<number>(ejections, { 'switchyard.service': 'cart' })[0]?.value).toBe(1);

    const logs = harness.logs();
    const opened = logs.find((l) => l.attributes['switchyard.circuit_breaker.state'] === 'open');
    expect(opened?.severityText).toBe('WARN');
    expect(opened?.attributes['switchyard.instance.id']).toBe('t0');
  });

  it('creates no HTTP span or HTTP metric when external instrumentation owns HTTP', async () => {
    harness = createHarness({ httpInstrumentation: 'external' });
    servers = [await startServer('e0')];
    registry = new StaticRegistry({
      services: { cart: [{ id: 'e0', host: '127.0.0.1', port: servers[0]?.port ?? 0 }] },
    });
    client = createClient({ registry, telemetry: harness.telemetry, clock: harness.clock });
    await (await client.fetch('cart', '/')).arrayBuffer();
    expect(harness.spans()).toHaveLength(0);
    const metrics = await harness.metrics();
    expect(metrics.has(TELEMETRY_METRICS.httpClientRequestDuration.name)).toBe(false);
    expect(metrics.has(TELEMETRY_METRICS.callDuration.name)).toBe(true);
  });

  it('traces generic calls with one span per attempt', async () => {
    await setup([200, 200]);
    let calls = 0;
    const value = await client.call('cart', async (instance, attempt) => {
      calls++;
      if (attempt.attempt === 0) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      return instance.id;
    });
    expect(value).toBe('t1');
    expect(calls).toBe(2);
    const spans = harness.spans();
    expect(spans.map((s) => s.name)).toEqual(['call cart', 'call cart']);
    expect(spans[0]?.attributes['error.type']).toBe('ECONNRESET');
    expect(spans[1]?.attributes['switchyard.resend_count']).toBe(1);
  });
});
