import { readFileSync } from 'node:fs';
import {
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_SCHEME,
  ERROR_TYPE_VALUE_OTHER,
  HTTP_REQUEST_METHOD_VALUE_OTHER,
  METRIC_HTTP_CLIENT_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';
import {
  CALL_OUTCOMES,
  DURATION_BUCKETS_SECONDS,
  INSTRUMENTATION_SCOPE,
  INSTRUMENTATION_VERSION,
  TELEMETRY_ATTRIBUTES,
  TELEMETRY_LOG_EVENTS,
  TELEMETRY_METRICS,
} from '@switchyard/core/semconv';
import { describe, expect, it } from 'vitest';
import { ERROR_TYPE_OTHER, HTTP_METHOD_OTHER } from '../../src/telemetry/names.js';

// Lowercase, dot-separated namespaces, snake_case parts (OpenTelemetry naming rules).
const NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

describe('telemetry names', () => {
  it('HTTP names are the stable semantic conventions', () => {
    expect(TELEMETRY_METRICS.httpClientRequestDuration.name).toBe(METRIC_HTTP_CLIENT_REQUEST_DURATION);
    expect(TELEMETRY_ATTRIBUTES.httpRequestMethod).toBe(ATTR_HTTP_REQUEST_METHOD);
    expect(TELEMETRY_ATTRIBUTES.httpRequestMethodOriginal).toBe(ATTR_HTTP_REQUEST_METHOD_ORIGINAL);
    expect(TELEMETRY_ATTRIBUTES.httpRequestResendCount).toBe(ATTR_HTTP_REQUEST_RESEND_COUNT);
    expect(TELEMETRY_ATTRIBUTES.httpResponseStatusCode).toBe(ATTR_HTTP_RESPONSE_STATUS_CODE);
    expect(TELEMETRY_ATTRIBUTES.serverAddress).toBe(ATTR_SERVER_ADDRESS);
    expect(TELEMETRY_ATTRIBUTES.serverPort).toBe(ATTR_SERVER_PORT);
    expect(TELEMETRY_ATTRIBUTES.urlScheme).toBe(ATTR_URL_SCHEME);
    expect(TELEMETRY_ATTRIBUTES.urlFull).toBe(ATTR_URL_FULL);
    expect(TELEMETRY_ATTRIBUTES.networkProtocolVersion).toBe(ATTR_NETWORK_PROTOCOL_VERSION);
    expect(TELEMETRY_ATTRIBUTES.errorType).toBe(ATTR_ERROR_TYPE);
    expect(TELEMETRY_ATTRIBUTES.exceptionType).toBe(ATTR_EXCEPTION_TYPE);
    expect(TELEMETRY_ATTRIBUTES.exceptionMessage).toBe(ATTR_EXCEPTION_MESSAGE);
    expect(ERROR_TYPE_OTHER).toBe(ERROR_TYPE_VALUE_OTHER);
    expect(HTTP_METHOD_OTHER).toBe(HTTP_REQUEST_METHOD_VALUE_OTHER);
  });

  it('uses the bucket boundaries the HTTP conventions advise', () => {
    expect(DURATION_BUCKETS_SECONDS).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ]);
  });

  it('every metric, attribute and event name follows the naming rules', () => {
    const metrics = Object.values(TELEMETRY_METRICS);
    const names = [
      ...metrics.map((m) => m.name),
      ...Object.values(TELEMETRY_ATTRIBUTES),
      ...Object.values(TELEMETRY_LOG_EVENTS),
    ];
    for (const name of names) expect(name, name).toMatch(NAME);
    for (const metric of metrics) {
      expect(metric.name, metric.name).not.toMatch(/_total$|\.total$/);
      const semconv = metric.name.startsWith('http.');
      expect(semconv || metric.name.startsWith('switchyard.'), metric.name).toBe(true);
    }
    expect(new Set(metrics.map((m) => m.name)).size).toBe(metrics.length);
    expect(new Set(Object.values(TELEMETRY_ATTRIBUTES)).size).toBe(Object.values(TELEMETRY_ATTRIBUTES).length);
  });

  it('no attribute name is also the namespace of another', () => {
    const attributes = Object.values(TELEMETRY_ATTRIBUTES) as string[];
    for (const a of attributes) {
      for (const b of attributes) expect(b.startsWith(`${a}.`), `${a} is a namespace of ${b}`).toBe(false);
    }
  });

  it('units follow the conventions: seconds for durations, {annotation} for counts', () => {
    for (const metric of Object.values(TELEMETRY_METRICS)) {
      if (metric.name.endsWith('.duration') || metric.name.endsWith('.staleness')) expect(metric.unit).toBe('s');
      else if (metric.instrument === 'counter') expect(metric.unit, metric.name).toMatch(/^\{[a-z_]+\}$/);
      else expect(metric.unit, metric.name).toMatch(/^(1|\{[a-z_]+\})$/);
    }
    expect(TELEMETRY_METRICS.breakerState.unit).toBe('{breaker}');
  });

  it('instrumentation scope carries the package name and version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      name: string;
      version: string;
    };
    expect(INSTRUMENTATION_SCOPE).toBe(pkg.name);
    expect(INSTRUMENTATION_VERSION).toBe(pkg.version);
  });

  it('defines the call outcomes', () => {
    expect(CALL_OUTCOMES).toEqual(['success', 'failure', 'rejected', 'timeout', 'aborted']);
  });
});
