import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { SwitchyardTelemetry } from '@switchyard/core';
import { type HttpServerRequestGetter, HttpServerTelemetry } from '@switchyard/core/server';
import { describe, expect, it } from 'vitest';
import { createInMemoryOtel } from '../../../../test/support/otel.js';

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

describe('SwitchyardTelemetry without an SDK', () => {
  it('uses the no-op global providers: nothing is recorded, injected or thrown', () => {
    const telemetry = new SwitchyardTelemetry({ httpInstrumentation: 'switchyard' });
    const attempt = telemetry.startHttpAttempt({ method: 'GET', url: new URL('http://127.0.0.1/'), service: 's' });
    const headers: Record<string, string> = {};
    attempt.inject(headers);
    attempt.end({ statusCode: 500 });
    telemetry.startAttempt({ service: 's' }).end({ error: new Error('x') });
    telemetry.recordCall('s', 'success', 1);
    telemetry.recordBudgetExhausted('s');
    telemetry.recordWatchError('r', 's', new Error('x'));
    const tracking = telemetry.trackBulkhead('s', { inFlight: () => 1, queued: () => 0 });
    tracking.dispose();
    telemetry.dispose();
    expect(headers).toEqual({});
  });

  it('an HTTP attempt reads no clock and runs in the caller context, unless a meter records', async () => {
    const clock = new CountingClock();
    const telemetry = new SwitchyardTelemetry({ httpInstrumentation: 'switchyard', clock });
    const attempt = telemetry.startHttpAttempt({ method: 'GET', url: 'http://127.0.0.1/', service: 's' });
    expect(attempt.context).toBe(ROOT_CONTEXT);
    attempt.end({ statusCode: 200 });
    expect(clock.reads).toBe(0);

    const otel = createInMemoryOtel();
    const recording = new SwitchyardTelemetry({
      httpInstrumentation: 'switchyard',
      clock,
      meterProvider: otel.meterProvider,
    });
    recording.startHttpAttempt({ method: 'GET', url: 'http://127.0.0.1/', service: 's' }).end({ statusCode: 200 });
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
