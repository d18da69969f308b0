import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { createClient, createInstance, StaticRegistry, SwitchyardTelemetry } from '@switchyard/core';
import type { AttemptHandle } from '@switchyard/core/internal';
import { type HttpServerRequestGetter, HttpServerTelemetry } from '@switchyard/core/server';
import { describe, expect, it } from 'vitest';
import { deferred } from '../../../../test/support/deferred.js';
import { createInMemoryOtel } from '../../../../test/support/otel.js';
import { channels } from '../../src/events/channels.js';
import { startServer } from '../client/servers.js';

/** Counts how often the telemetry reads the time. */
class CountingClock {
  reads = 0;
  now(): number {
    this.reads++;
    return 1_000;
  }
}

interface Request {
  readonly headers: Record<string, string>;
}
let routeReads = 0;
const GETTER: HttpServerRequestGetter<Request> = {
  method: () => 'GET',
  scheme: () => 'http',
  target: () => '/items/1',
  headers: (r) => r.headers,
  httpVersion: () => '1.1',
  clientAddress: () => '127.0.0.1',
  route: () => {
    routeReads++;
    return '/items/:id';
  },
};

const instance = createInstance({ id: 's-1', host: '127.0.0.1', port: 80 }, 's');

/** An HTTP attempt as the client's attempt-span stage starts it. */
function httpAttempt(telemetry: SwitchyardTelemetry): AttemptHandle {
  const handle = telemetry.attemptTracer.start({
    service: 's',
    instance,
    resendCount: 0,
    parentContext: context.active(),
    http: { method: 'GET', url: 'http://127.0.0.1/' },
  });
  if (handle === undefined) throw new Error('no attempt handle');
  return handle;
}

describe('SwitchyardTelemetry without an SDK', () => {
  it('uses the no-op global providers: nothing is recorded, injected or thrown', async () => {
    const telemetry = new SwitchyardTelemetry({ httpInstrumentation: 'switchyard' });
    expect(telemetry.recordsMetrics).toBe(false);
    const attempt = httpAttempt(telemetry);
    const headers: Record<string, string> = {};
    attempt.inject(headers);
    attempt.end({ statusCode: 500 });
    const call = telemetry.attemptTracer.start({
      service: 's',
      instance,
      resendCount: 0,
      parentContext: context.active(),
    });
    call?.end({ error: new Error('x') });
    expect(headers).toEqual({});

    // A real client on it: calls, a denied retry, a bulkhead, a registry error, close.
    const server = await startServer('s-1', { status: 500 });
    const registry = new StaticRegistry({ services: { s: [{ id: 's-1', host: '127.0.0.1', port: server.port }] } });
    const client = createClient({
      registry,
      telemetry,
      breaker: false,
      bulkhead: { maxConcurrent: 4 },
      retry: { initialDelayMs: 0, budget: { ratio: 0, minRetriesPerSecond: 0 } },
    });
    try {
      expect(await client.call('s', async () => 'ok')).toBe('ok');
      const response = await client.fetch('s', '/');
      expect(response.status).toBe(500);
      await response.arrayBuffer();
      // No trace header went out: the no-op tracer has nothing to propagate.
      expect(server.requests[0]?.headers.traceparent).toBeUndefined();
      const gate = deferred();
      const held = client.call('s', () => gate.promise);
      channels.registryError.publish({ registry, service: 's', error: new Error('x') });
      gate.resolve('done');
      expect(await held).toBe('done');
    } finally {
      await client.close();
      await registry.close();
      await server.close();
    }
    telemetry.dispose();
  });

  it('an HTTP attempt reads no clock and runs in the caller context, unless a meter records', async () => {
    const clock = new CountingClock();
    const telemetry = new SwitchyardTelemetry({ httpInstrumentation: 'switchyard', clock });
    const attempt = httpAttempt(telemetry);
    expect(attempt.context).toBe(ROOT_CONTEXT);
    attempt.end({ statusCode: 200 });
    expect(clock.reads).toBe(0);

    const otel = createInMemoryOtel();
    const recording = new SwitchyardTelemetry({
      httpInstrumentation: 'switchyard',
      clock,
      meterProvider: otel.meterProvider,
    });
    httpAttempt(recording).end({ statusCode: 200 });
    expect(clock.reads).toBe(2);
    await otel.shutdown();
  });
});

describe('HttpServerTelemetry without an SDK', () => {
  it('reads no clock and no late route, and runs the handler in the context it arrived in, unless a meter records', async () => {
    const clock = new CountingClock();
    routeReads = 0;
    const server = new HttpServerTelemetry(
      { name: 'test', version: '1' },
      { httpInstrumentation: 'switchyard', clock },
    );
    const handle = server.start({ headers: { host: 'a:1' } }, GETTER);
    expect(handle.context).toBe(context.active());
    handle.end({ statusCode: 200 });
    expect([clock.reads, routeReads]).toEqual([0, 0]);

    const otel = createInMemoryOtel();
    const recording = new HttpServerTelemetry(
      { name: 'test', version: '1' },
      { httpInstrumentation: 'switchyard', clock, meterProvider: otel.meterProvider },
    );
    recording.start({ headers: { host: 'a:1' } }, GETTER).end({ statusCode: 200 });
    expect([clock.reads, routeReads]).toEqual([2, 1]);
    await otel.shutdown();
  });
});
