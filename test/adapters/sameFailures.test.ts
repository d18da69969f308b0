// The two adapters answer the same failure identically: one table of real failures (real
// upstreams on 127.0.0.1, real clients, real servers on port 0), run through an Express app
// and a NestJS app that both proxy GET /proxy to `catalog`, compared status, headers, body
// and server telemetry.
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { type ClientOptions, StaticRegistry } from '@switchyard/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Downstream, listen, type RawResponse, send, startDownstream } from '../express/support.js';
import { createInMemoryOtel, type InMemoryOtel, installGlobalContext } from '../support/otel.js';
import { type Adapter, type RunningApp, startApp } from './apps.js';

type CaseOptions = Omit<ClientOptions, 'registry'>;

let otel: InMemoryOtel;
let uninstall: () => void;
beforeAll(() => {
  uninstall = installGlobalContext();
});
afterAll(() => uninstall());

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await otel?.shutdown();
});

function telemetry() {
  return {
    tracerProvider: otel.tracerProvider,
    meterProvider: otel.meterProvider,
    httpInstrumentation: 'switchyard' as const,
  };
}

function start(adapter: Adapter, registry: StaticRegistry, client: CaseOptions): Promise<RunningApp> {
  return startApp(adapter, { registry, client, telemetry: telemetry() });
}

/** Headers that differ per connection or per framework and say nothing about the failure. */
const INCIDENTAL = new Set(['date', 'connection', 'keep-alive', 'x-powered-by', 'etag']);

interface Seen {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly body: unknown;
  readonly span: Record<string, unknown>;
}

function serverSpanOf(span: ReadableSpan): Record<string, unknown> {
  const a = span.attributes;
  return {
    status: span.status.code,
    'http.response.status_code': a['http.response.status_code'],
    'error.type': a['error.type'],
    'switchyard.request.aborted': a['switchyard.request.aborted'],
  };
}

function seen(res: RawResponse, span: ReadableSpan): Seen {
  const headers = Object.fromEntries(Object.entries(res.headers).filter(([name]) => !INCIDENTAL.has(name)));
  return { status: res.status, headers, body: JSON.parse(res.body), span: serverSpanOf(span) };
}

const isServer = (span: ReadableSpan) => span.kind === 1; // SpanKind.SERVER

interface Case {
  readonly name: string;
  readonly path?: string;
  readonly options: (clock: { now(): number }) => CaseOptions;
  /** Sets up the upstream and the registry; returns the registry. */
  readonly setup: (upstream: Downstream) => StaticRegistry;
  /** Requests before the one compared (to open a breaker). */
  readonly warmup?: number;
  readonly expected: { status: number; retryAfter?: string; error: string };
}

const catalogAt = (port: number) => new StaticRegistry({ services: { catalog: [{ host: '127.0.0.1', port }] } });

const CASES: Case[] = [
  {
    name: 'open breaker',
    options: (clock) => ({
      retry: false,
      clock,
      breaker: { slidingWindowSize: 2, minimumNumberOfCalls: 2, waitDurationInOpenState: 30_000 },
    }),
    setup: (upstream) => {
      upstream.status = 500;
      return catalogAt(upstream.port);
    },
    warmup: 2,
    expected: { status: 503, retryAfter: '30', error: 'SWITCHYARD_BROKEN_CIRCUIT' },
  },
  {
    name: 'timeout',
    options: () => ({ retry: false, timeoutMs: 50 }),
    setup: (upstream) => {
      upstream.hang = true;
      return catalogAt(upstream.port);
    },
    expected: { status: 504, error: 'SWITCHYARD_TIMEOUT' },
  },
  {
    name: 'no instances',
    options: () => ({ retry: false }),
    setup: () => new StaticRegistry(),
    expected: { status: 503, error: 'SWITCHYARD_NO_INSTANCES' },
  },
  {
    name: 'transport failure (connection refused)',
    options: () => ({ retry: false }),
    setup: () => catalogAt(closedPort),
    expected: { status: 502, error: 'ECONNREFUSED' },
  },
  {
    name: 'ConfigError',
    path: '/config',
    options: () => ({ retry: false }),
    setup: (upstream) => catalogAt(upstream.port),
    expected: { status: 500, error: 'SWITCHYARD_CONFIG' },
  },
];

let closedPort = 0;
beforeAll(async () => {
  const closed = await listen(() => {});
  closedPort = closed.port;
  await closed.close();
});

async function run(adapter: Adapter, failure: Case): Promise<Seen> {
  otel = createInMemoryOtel();
  const upstream = await startDownstream();
  cleanups.push(() => upstream.close());
  const registry = failure.setup(upstream);
  cleanups.push(() => registry.close());
  const app = await start(adapter, registry, failure.options({ now: () => 0 }));
  cleanups.push(() => app.close());
  const url = `${app.url}${failure.path ?? '/proxy'}`;
  for (let i = 0; i < (failure.warmup ?? 0); i++) await send(url).response;
  const res = await send(url).response;
  const span = await otel.spans.waitFor((s) => isServer(s) && s.attributes['http.response.status_code'] === res.status);
  return seen(res, span);
}

describe('Express and NestJS answer the same failure identically', () => {
  it.each(CASES)('$name', async (failure) => {
    const fromExpress = await run('express', failure);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await otel.shutdown();
    const fromNest = await run('nestjs', failure);

    expect(fromNest).toEqual(fromExpress);
    const { status, retryAfter, error } = failure.expected;
    expect(fromExpress.status).toBe(status);
    expect(fromExpress.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(fromExpress.headers['retry-after']).toBe(retryAfter);
    expect(fromExpress.body).toMatchObject({ type: 'about:blank', status, error });
    // Messages are hidden by default: a fixed text, never the error's own (hosts, options).
    const body = fromExpress.body as { detail: string; message: string };
    expect(body.detail).toBe(body.message);
    expect(body.detail).not.toMatch(/127\.0\.0\.1|catalog|timeoutMs/);
    expect(fromExpress.span['http.response.status_code']).toBe(status);
    expect(fromExpress.span['error.type']).toBe(error === 'SWITCHYARD_TIMEOUT' ? 'timeout' : error);
  });

  it('client gone: the upstream call is aborted and the request recorded as 499, not an error', async () => {
    const results: Array<Record<string, unknown>> = [];
    for (const adapter of ['express', 'nestjs'] as const) {
      otel = createInMemoryOtel();
      const upstream = await startDownstream();
      cleanups.push(() => upstream.close());
      upstream.hang = true;
      const registry = catalogAt(upstream.port);
      cleanups.push(() => registry.close());
      const app = await start(adapter, registry, { retry: false });
      cleanups.push(() => app.close());
      const arrived = upstream.nextRequest();
      const pending = send(`${app.url}/proxy`);
      pending.response.catch(() => {});
      await arrived;
      pending.abort();
      // The adapter aborted the call: the upstream sees its connection closed.
      await upstream.abandoned;
      const span = await otel.spans.waitFor(isServer);
      results.push(serverSpanOf(span));
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      await otel.shutdown();
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[0]).toEqual({
      status: 0, // UNSET
      'http.response.status_code': 499,
      'error.type': undefined,
      'switchyard.request.aborted': true,
    });
  });
});
