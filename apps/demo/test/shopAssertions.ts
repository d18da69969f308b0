import { SpanKind } from '@opentelemetry/api';
import { expect } from 'vitest';
import type { InstanceReport, ShopResult } from '../src/shopResult.js';

/** The story every run must tell, whatever the registry. */
export function expectShopStory(result: ShopResult, requests: number): void {
  const instance = (name: string): InstanceReport => {
    const found = result.instances.find((i) => i.name === name);
    if (found === undefined) throw new Error(`no instance ${name} in ${result.instances.map((i) => i.name)}`);
    return found;
  };

  // Every checkout answered, and no caller saw an error.
  expect(result.checkouts).toBe(requests);
  expect({ errors: result.errors, samples: result.errorSamples }).toEqual({ errors: 0, samples: [] });
  expect(result.stepFailures).toBe(0);

  // Breaking: pricing-1 failed, its breaker in the gateway's client opened.
  expect(instance('pricing-1').serverErrors).toBeGreaterThan(0);
  expect(instance('pricing-1').breakerOpenings).toBeGreaterThanOrEqual(1);
  expect(instance('pricing-0').breakerOpenings).toBe(0);

  // Discovery: the late instance got traffic; the stopped one was deregistered and drained,
  // had traffic before, and was never picked once it had left.
  expect(instance('catalog-3').requests).toBeGreaterThan(0);
  expect(instance('catalog-3').picks).toBeGreaterThan(0);
  expect(instance('catalog-0').stopped).toEqual({ deregistered: true, drained: true, forced: 0 });
  expect(instance('catalog-0').picks).toBeGreaterThan(0);
  expect(instance('catalog-0').picksAfterLeaving).toBe(0);
  expect(result.instances.reduce((sum, i) => sum + i.picksAfterLeaving, 0)).toBe(0);

  // Balancing: consistent hashing puts each user on exactly one cart instance, and uses both.
  const cart0 = instance('cart-0').users;
  const cart1 = instance('cart-1').users;
  expect(cart0.filter((u) => cart1.includes(u))).toEqual([]);
  expect(cart0.length).toBeGreaterThan(0);
  expect(cart1.length).toBeGreaterThan(0);

  // Tracing: gateway SERVER → one CLIENT attempt per call (retries are siblings) → downstream SERVER.
  const root = result.lastTrace;
  if (root === undefined) throw new Error('no checkout trace was captured');
  expect(root.span.kind).toBe(SpanKind.SERVER);
  expect(root.span.name).toBe('GET /checkout/:user');
  expect(root.span.parentSpanContext).toBeUndefined();
  const traceId = root.span.spanContext().traceId;
  expect(root.children.every((c) => c.span.kind === SpanKind.CLIENT)).toBe(true);
  const services = new Set(root.children.map((c) => c.span.attributes['switchyard.service']));
  expect(services).toEqual(new Set(['catalog', 'pricing', 'cart']));
  const routes: Record<string, string> = {
    catalog: 'GET /items/:id',
    pricing: 'GET /price/:id',
    cart: 'GET /cart/:user',
  };
  for (const attempt of root.children) {
    expect(attempt.span.spanContext().traceId).toBe(traceId);
    const service = String(attempt.span.attributes['switchyard.service']);
    expect(attempt.children.map((c) => [c.span.kind, c.span.name, c.span.spanContext().traceId])).toEqual([
      [SpanKind.SERVER, routes[service], traceId],
    ]);
    const status = attempt.span.attributes['http.response.status_code'];
    expect(status).toEqual(expect.any(Number));
    expect(attempt.children[0]?.span.attributes['http.response.status_code']).toBe(status);
  }

  // Telemetry: the Prometheus endpoint served Switchyard's metrics.
  expect(result.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  expect(result.metricNames).toEqual(
    expect.arrayContaining([
      'switchyard_circuit_breaker_state',
      'switchyard_circuit_breaker_transitions_total',
      'switchyard_client_retries_total',
      'switchyard_balancer_picks_total',
    ]),
  );
}
