// Server telemetry over Node requests (NODE_REQUEST_GETTER, what the NestJS adapter uses) and
// the advertised address on their own: method canonicalisation, Host parsing, aborted
// requests, and which host a wildcard-bound server advertises.
import { hostname, networkInterfaces } from 'node:os';
import { SpanKind } from '@opentelemetry/api';
import { TELEMETRY_METRICS } from '@switchyard/core/semconv';
import {
  advertisedAddress,
  HttpServerTelemetry,
  NODE_REQUEST_GETTER,
  type NodeRequestLike,
} from '@switchyard/core/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInMemoryOtel, type InMemoryOtel } from '../../../../test/support/otel.js';

/** The NestJS adapter's use of server telemetry: Node requests, the route known at the start. */
class ServerTelemetry {
  private readonly telemetry: HttpServerTelemetry;
  constructor(options: ConstructorParameters<typeof HttpServerTelemetry>[1]) {
    this.telemetry = new HttpServerTelemetry({ name: '@switchyard/test', version: '1.0.0' }, options);
  }
  start(request: NodeRequestLike, route: string | undefined) {
    return this.telemetry.start(request, NODE_REQUEST_GETTER, route);
  }
}

let otel: InMemoryOtel;
let telemetry: ServerTelemetry;

beforeEach(() => {
  otel = createInMemoryOtel();
  telemetry = new ServerTelemetry({
    tracerProvider: otel.tracerProvider,
    meterProvider: otel.meterProvider,
    httpInstrumentation: 'switchyard',
  });
});
afterEach(() => otel.shutdown());

function request(overrides: Partial<NodeRequestLike> = {}): NodeRequestLike {
  return {
    method: 'GET',
    url: '/things/1',
    headers: { host: 'shop.example:8080' },
    httpVersion: '1.1',
    socket: { remoteAddress: '10.0.0.9' },
    ...overrides,
  };
}

describe('ServerTelemetry', () => {
  it('reports HTTP/2 as network.protocol.version 2 and reads :authority', () => {
    telemetry
      .start(request({ httpVersion: '2.0', headers: { ':authority': 'shop.example:8443' } }), '/h2')
      .end({ statusCode: 200 });
    expect(otel.spans.ended[0]?.attributes).toMatchObject({
      'network.protocol.version': '2',
      'server.address': 'shop.example',
      'server.port': 8443,
    });
  });

  it('names unknown methods HTTP with http.request.method _OTHER and keeps the original', () => {
    telemetry.start(request({ method: 'FROB' }), '/things/:id').end({ statusCode: 200 });
    telemetry.start(request({ method: 'get' }), undefined).end({ statusCode: 200 });
    const [frob, get] = otel.spans.ended;
    expect(frob?.name).toBe('HTTP /things/:id');
    expect(frob?.kind).toBe(SpanKind.SERVER);
    expect(frob?.attributes).toMatchObject({ 'http.request.method': '_OTHER', 'http.request.method_original': 'FROB' });
    expect(get?.name).toBe('GET');
    expect(get?.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.request.method_original': 'get' });
    expect(get?.attributes['http.route']).toBeUndefined();
  });

  it('reads server.address and server.port from the Host header, IPv6 and default ports included', () => {
    telemetry.start(request({ headers: { host: '[::1]:3000' } }), '/a').end({ statusCode: 200 });
    telemetry.start(request({ headers: { host: 'shop.example' } }), '/b').end({ statusCode: 200 });
    telemetry
      .start(request({ headers: { host: 'shop.example' }, socket: { encrypted: true } }), '/c')
      .end({ statusCode: 200 });
    telemetry.start(request({ headers: {} }), '/d').end({ statusCode: 200 });
    const [a, b, c, d] = otel.spans.ended;
    expect(a?.attributes).toMatchObject({ 'server.address': '::1', 'server.port': 3000 });
    expect(b?.attributes).toMatchObject({ 'server.address': 'shop.example', 'server.port': 80, 'url.scheme': 'http' });
    expect(c?.attributes).toMatchObject({
      'server.address': 'shop.example',
      'server.port': 443,
      'url.scheme': 'https',
    });
    expect(d?.attributes['server.address']).toBeUndefined();
  });

  it('an aborted request: switchyard.request.aborted, no error, a duration without a status', async () => {
    const handle = telemetry.start(request(), '/things/:id');
    handle.end({ statusCode: undefined, aborted: true });
    handle.end({ statusCode: 200 }); // later calls do nothing
    const [span] = otel.spans.ended;
    expect(otel.spans.ended).toHaveLength(1);
    expect(span?.attributes['switchyard.request.aborted']).toBe(true);
    expect(span?.attributes['http.response.status_code']).toBeUndefined();
    expect(span?.attributes['error.type']).toBeUndefined();
    const metric = (await otel.metrics()).get(TELEMETRY_METRICS.httpServerRequestDuration.name);
    expect(metric?.dataPoints.map((p) => p.attributes)).toEqual([
      {
        'http.request.method': 'GET',
        'url.scheme': 'http',
        'http.route': '/things/:id',
        'network.protocol.version': '1.1',
      },
    ]);
  });

  it('a 5xx without a thrown error has error.type = the status; a 4xx is not an error', () => {
    telemetry.start(request(), '/x').end({ statusCode: 500 });
    telemetry.start(request(), '/y').end({ statusCode: 404, error: new Error('not found') });
    telemetry.start(request(), '/z').end({ statusCode: 502, error: new Error('plain') });
    const [five, four, plain] = otel.spans.ended;
    expect(five?.attributes['error.type']).toBe('500');
    expect(plain?.attributes['error.type']).toBe('502'); // a plain Error says nothing more than the status
    expect(four?.attributes['error.type']).toBeUndefined();
    expect(four?.events).toEqual([]);
  });
});

describe('advertisedAddress', () => {
  const server = (address: ReturnType<import('node:net').Server['address']>) => ({ address: () => address });

  it('uses the bound address, or the configured host and port', () => {
    expect(advertisedAddress({}, server({ address: '127.0.0.1', family: 'IPv4', port: 4000 }))).toEqual({
      host: '127.0.0.1',
      port: 4000,
    });
    expect(
      advertisedAddress(
        { host: 'shop.internal', port: 80 },
        server({ address: '0.0.0.0', family: 'IPv4', port: 4000 }),
      ),
    ).toEqual({ host: 'shop.internal', port: 80 });
  });

  it('replaces a wildcard bind by a reachable address of this machine', () => {
    const external = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((a) => a.family === 'IPv4' && !a.internal)
      .map((a) => a.address);
    for (const wildcard of ['0.0.0.0', '::']) {
      const address = advertisedAddress({}, server({ address: wildcard, family: 'IPv6', port: 4000 }));
      expect(address?.port).toBe(4000);
      expect(external.length > 0 ? external : [hostname()]).toContain(address?.host);
    }
  });

  it('is undefined without a TCP port unless one is configured', () => {
    expect(advertisedAddress({}, server('/tmp/app.sock'))).toBeUndefined();
    expect(advertisedAddress({}, undefined)).toBeUndefined();
    expect(advertisedAddress({ port: 9000 }, undefined)?.port).toBe(9000);
  });
});
