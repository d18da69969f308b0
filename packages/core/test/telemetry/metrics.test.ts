import { SeverityNumber } from '@opentelemetry/api-logs';
import { createInstance, errorTypeOf, TELEMETRY_METRICS as M, SwitchyardError } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/telemetry/redact.js';
import { createHarness, type Harness, type Histogram, metricNamed, onePoint } from './support.js';

let h: Harness;
afterEach(async () => {
  await h.shutdown();
});

describe('call metrics', () => {
  it('switchyard.client.call.duration by service and outcome; error.type only for failures', async () => {
    h = createHarness();
    h.telemetry.recordCall('cart', 'success', 120);
    h.telemetry.recordCall('cart', 'success', 80);
    h.telemetry.recordCall('cart', 'failure', 300, '503');
    h.telemetry.recordCall('cart', 'timeout', 1000);
    h.telemetry.recordCall('cart', 'rejected', 0, 'SWITCHYARD_BROKEN_CIRCUIT');
    h.telemetry.recordCall('cart', 'aborted', 50, 'ignored');
    h.telemetry.recordCall('cart', 'failure', 10);

    const metric = metricNamed(await h.metrics(), M.callDuration.name);
    expect(metric.descriptor.unit).toBe('s');
    const success = onePoint<Histogram>(metric, { 'switchyard.outcome': 'success' });
    expect(success.attributes).toEqual({ 'switchyard.service': 'cart', 'switchyard.outcome': 'success' });
    expect(success.value.count).toBe(2);
    expect(success.value.sum).toBeCloseTo(0.2, 9);
    expect(success.value.buckets.boundaries[0]).toBe(0.005);
    expect(onePoint(metric, { 'switchyard.outcome': 'timeout' }).attributes['error.type']).toBe('timeout');
    expect(onePoint(metric, { 'switchyard.outcome': 'rejected' }).attributes['error.type']).toBe(
      'SWITCHYARD_BROKEN_CIRCUIT',
    );
    expect(onePoint(metric, { 'switchyard.outcome': 'aborted' }).attributes['error.type']).toBeUndefined();
    expect(onePoint(metric, { 'switchyard.outcome': 'failure', 'error.type': '_OTHER' }).attributes).toEqual({
      'switchyard.service': 'cart',
      'switchyard.outcome': 'failure',
      'error.type': '_OTHER',
    });
  });

  it('retries are counted by reason', async () => {
    h = createHarness();
    h.telemetry.recordRetry('cart', '503');
    h.telemetry.recordRetry('cart', '503');
    h.telemetry.recordRetry('cart', 'ECONNRESET');
    const metric = metricNamed(await h.metrics(), M.retries.name);
    expect(metric.descriptor.unit).toBe('{retry}');
    expect(onePoint(metric, { 'switchyard.retry.reason': '503' }).value).toBe(2);
    expect(onePoint(metric, { 'switchyard.retry.reason': 'ECONNRESET' }).attributes).toEqual({
      'switchyard.service': 'cart',
      'switchyard.retry.reason': 'ECONNRESET',
    });
  });

  it('an exhausted retry budget is counted every time and logged at WARN at most once per interval', async () => {
    h = createHarness({ logIntervalMs: 10_000 });
    for (let i = 0; i < 5; i++) h.telemetry.recordBudgetExhausted('cart');
    h.clock.advance(10_000);
    h.telemetry.recordBudgetExhausted('cart');
    h.telemetry.recordBudgetExhausted('search');

    const metric = metricNamed(await h.metrics(), M.retryBudgetExhausted.name);
    expect(onePoint(metric, { 'switchyard.service': 'cart' }).value).toBe(6);
    const records = h.logs();
    expect(records.map((r) => [r.attributes['switchyard.service'], r.attributes['switchyard.log.suppressed']])).toEqual(
      [
        ['cart', 0],
        ['cart', 4],
        ['search', 0],
      ],
    );
    expect(records[0]!.severityNumber).toBe(SeverityNumber.WARN);
    expect(records[0]!.eventName).toBe('switchyard.retry_budget.exhausted');
    expect(records[0]!.body).toBe('Retry budget for cart exhausted: retries are being denied');
  });

  it('balancer picks are counted per instance and balancer', async () => {
    h = createHarness();
    h.telemetry.recordPick('cart', 'cart-1', 'p2c');
    h.telemetry.recordPick('cart', 'cart-1', 'p2c');
    h.telemetry.recordPick('cart', 'cart-2', 'p2c');
    const metric = metricNamed(await h.metrics(), M.balancerPicks.name);
    expect(metric.descriptor.unit).toBe('{pick}');
    expect(onePoint(metric, { 'switchyard.instance.id': 'cart-1' }).value).toBe(2);
    expect(onePoint(metric, { 'switchyard.instance.id': 'cart-2' }).attributes).toEqual({
      'switchyard.service': 'cart',
      'switchyard.instance.id': 'cart-2',
      'switchyard.balancer': 'p2c',
    });
  });
});

describe('ejection', () => {
  it('counts ejections, keeps the ejected gauge current and logs both ways; repeats are ignored', async () => {
    h = createHarness();
    h.telemetry.recordEjection('cart', 'cart-1', true, 'breaker open');
    h.telemetry.recordEjection('cart', 'cart-1', true, 'breaker open');
    h.telemetry.recordEjection('cart', 'cart-2', true, 'breaker open');
    let metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.instancesEjected.name), { 'switchyard.service': 'cart' }).value).toBe(2);
    expect(onePoint(metricNamed(metrics, M.instanceEjections.name), { 'switchyard.instance.id': 'cart-1' }).value).toBe(
      1,
    );

    h.telemetry.recordEjection('cart', 'cart-1', false, 'breaker closed');
    h.telemetry.recordEjection('cart', 'cart-1', false, 'breaker closed');
    metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.instancesEjected.name)).value).toBe(1);

    expect(h.logs().map((r) => [r.eventName, r.severityText, r.body])).toEqual([
      ['switchyard.instance.ejected', 'WARN', 'Instance cart/cart-1 ejected: breaker open'],
      ['switchyard.instance.ejected', 'WARN', 'Instance cart/cart-2 ejected: breaker open'],
      ['switchyard.instance.restored', 'INFO', 'Instance cart/cart-1 restored: breaker closed'],
    ]);
    expect(h.logs()[0]!.attributes['switchyard.instance.ejection_reason']).toBe('breaker open');
  });
});

describe('bulkhead', () => {
  it('reports in-flight and queued calls at collection time, and counts rejections', async () => {
    h = createHarness();
    let inFlight = 3;
    let queued = 1;
    const tracking = h.telemetry.trackBulkhead('cart', { inFlight: () => inFlight, queued: () => queued });
    h.telemetry.recordBulkheadRejection('cart');

    let metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.bulkheadInFlight.name)).value).toBe(3);
    expect(onePoint(metricNamed(metrics, M.bulkheadQueued.name)).value).toBe(1);
    expect(onePoint(metricNamed(metrics, M.bulkheadRejections.name)).attributes).toEqual({
      'switchyard.service': 'cart',
    });
    expect(metricNamed(metrics, M.bulkheadInFlight.name).descriptor.unit).toBe('{call}');

    inFlight = 10;
    queued = 0;
    metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.bulkheadInFlight.name)).value).toBe(10);
    expect(onePoint(metricNamed(metrics, M.bulkheadQueued.name)).value).toBe(0);

    tracking.dispose();
    inFlight = 99;
    metrics = await h.metrics();
    expect(metrics.get(M.bulkheadInFlight.name)?.dataPoints.find((p) => p.value === 99)).toBeUndefined();
  });

  it('after dispose() nothing is observed, and tracking again works', async () => {
    h = createHarness();
    h.telemetry.trackBulkhead('cart', { inFlight: () => 7, queued: () => 0 });
    h.telemetry.dispose();
    let metrics = await h.metrics();
    expect(metrics.get(M.bulkheadInFlight.name)?.dataPoints.find((p) => p.value === 7)).toBeUndefined();

    h.telemetry.trackBulkhead('cart', { inFlight: () => 8, queued: () => 0 });
    metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.bulkheadInFlight.name)).value).toBe(8);
  });
});

describe('registry', () => {
  const instances = [
    createInstance({ id: 'a', host: '10.0.0.1', port: 1 }, 'cart'),
    createInstance({ id: 'b', host: '10.0.0.2', port: 1, health: 'warning' }, 'cart'),
    createInstance({ id: 'c', host: '10.0.0.3', port: 1 }, 'cart'),
  ];

  it('instances by health, stale flag and staleness in seconds, read at collection time', async () => {
    h = createHarness();
    let state = { instances, updatedAt: h.wallClock.now(), stale: false };
    h.telemetry.trackRegistryService('consul', 'cart', () => state);
    h.wallClock.advance(2_500);

    let metrics = await h.metrics();
    const byHealth = metricNamed(metrics, M.registryInstances.name);
    expect(byHealth.descriptor.unit).toBe('{instance}');
    expect(onePoint(byHealth, { 'switchyard.instance.health': 'passing' }).value).toBe(2);
    expect(onePoint(byHealth, { 'switchyard.instance.health': 'warning' }).value).toBe(1);
    expect(onePoint(byHealth, { 'switchyard.instance.health': 'critical' }).attributes).toEqual({
      'switchyard.registry': 'consul',
      'switchyard.service': 'cart',
      'switchyard.instance.health': 'critical',
    });
    expect(onePoint(metricNamed(metrics, M.registryStale.name)).value).toBe(0);
    const staleness = onePoint(metricNamed(metrics, M.registryStaleness.name));
    expect(staleness.value).toBe(2.5);
    expect(staleness.attributes).toEqual({ 'switchyard.registry': 'consul', 'switchyard.service': 'cart' });

    state = { ...state, stale: true };
    h.wallClock.advance(60_000);
    metrics = await h.metrics();
    expect(onePoint(metricNamed(metrics, M.registryStale.name)).value).toBe(1);
    expect(onePoint(metricNamed(metrics, M.registryStaleness.name)).value).toBe(62.5);
  });

  it('no staleness before the first confirmation; a throwing reader skips only its own series', async () => {
    h = createHarness();
    h.telemetry.trackRegistryService('consul', 'cart', () => ({ instances: [], updatedAt: 0, stale: true }));
    h.telemetry.trackRegistryService('consul', 'broken', () => {
      throw new Error('broken reader');
    });
    const metrics = await h.metrics();
    expect(metrics.get(M.registryStaleness.name)?.dataPoints ?? []).toHaveLength(0);
    expect(onePoint(metricNamed(metrics, M.registryStale.name)).attributes['switchyard.service']).toBe('cart');
  });

  it('watch errors are counted by error.type and logged without secrets, rate-limited', async () => {
    h = createHarness({ logIntervalMs: 5_000 });
    const error = new TypeError('fetch failed', {
      cause: Object.assign(
        new Error(
          'connect ECONNREFUSED http://admin:hunter2@consul:8500/v1/health/service/cart?token=s3cr3t&index=7 X-Consul-Token: abc123',
        ),
        { code: 'ECONNREFUSED' },
      ),
    });
    const wrapped = new Error('watch failed for token=s3cr3t with Authorization: Bearer eyJhbGci.x.y', {
      cause: error,
    });
    h.telemetry.recordWatchError('consul', 'cart', wrapped);
    h.telemetry.recordWatchError('consul', 'cart', wrapped);

    const metric = metricNamed(await h.metrics(), M.registryWatchErrors.name);
    expect(onePoint(metric).attributes).toEqual({
      'switchyard.registry': 'consul',
      'switchyard.service': 'cart',
      'error.type': 'ECONNREFUSED',
    });
    expect(onePoint(metric).value).toBe(2);

    const records = h.logs();
    expect(records).toHaveLength(1);
    const record = records[0]!;
    expect(record.eventName).toBe('switchyard.registry.watch_error');
    expect(record.severityNumber).toBe(SeverityNumber.WARN);
    const text = JSON.stringify({ body: record.body, attributes: record.attributes });
    expect(text).not.toMatch(/s3cr3t|hunter2|eyJhbGci|abc123/);
    expect(record.body).toBe(
      'Registry consul could not refresh cart (ECONNREFUSED): watch failed for token=REDACTED with Authorization: REDACTED',
    );
  });

  it('registry update duration in seconds', async () => {
    h = createHarness();
    h.telemetry.recordRegistryUpdate('consul', 'cart', 15);
    const point = onePoint<Histogram>(metricNamed(await h.metrics(), M.registryUpdateDuration.name));
    expect(point.value.sum).toBeCloseTo(0.015, 9);
    expect(point.attributes).toEqual({ 'switchyard.registry': 'consul', 'switchyard.service': 'cart' });
  });
});

describe('errorTypeOf', () => {
  it('is low-cardinality and unwraps wrappers', () => {
    expect(errorTypeOf(new TypeError('fetch failed', { cause: { code: 'UND_ERR_SOCKET' } }))).toBe('UND_ERR_SOCKET');
    expect(errorTypeOf(new SwitchyardError('SWITCHYARD_BULKHEAD_REJECTED', 'full'))).toBe(
      'SWITCHYARD_BULKHEAD_REJECTED',
    );
    expect(errorTypeOf(Object.assign(new SwitchyardError('SWITCHYARD_HTTP_STATUS', 'HTTP 502'), { status: 502 }))).toBe(
      '502',
    );
    expect(errorTypeOf(new RangeError('x'))).toBe('RangeError');
    expect(errorTypeOf(new Error('plain'))).toBe('_OTHER');
    expect(errorTypeOf('a string')).toBe('_OTHER');
    expect(errorTypeOf({ code: 'has spaces in it' })).toBe('_OTHER');
  });
});

describe('redactSecrets', () => {
  it('scrubs URL credentials, token-like query values and secret headers, and caps the length', () => {
    const text = redactSecrets(
      'GET http://admin:hunter2@consul:8500/v1/health/service/cart?index=7&token=s3cr3t failed; X-Consul-Token: abc123, cookie=sid=1',
    );
    expect(text).toBe(
      'GET http://REDACTED@consul:8500/v1/health/service/cart?index=7&token=REDACTED failed; X-Consul-Token: REDACTED, cookie=REDACTED',
    );
    expect(redactSecrets('x'.repeat(1000)).length).toBeLessThanOrEqual(301);
  });
});
