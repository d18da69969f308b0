import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ConfigError,
  createClient,
  HttpStatusError,
  IsolatedCircuitError,
  NoInstancesError,
  RegistryError,
  StaticRegistry,
  SwitchyardError,
  TimeoutError,
} from '@switchyard/core';
import { switchyard, switchyardErrorHandler, switchyardProblem } from '@switchyard/express';
import express, { type ErrorRequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { type Listening, listen, type RawResponse, send, startDownstream } from './support.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(app: express.Express): Promise<Listening> {
  const listening = await listen(app);
  cleanups.push(() => listening.close());
  return listening;
}

/** The app's last resort, so errors passed on by the Switchyard handler are visible. */
const fallback: ErrorRequestHandler = (error, _req, res, _next) => {
  res.status(500).json({ fallback: (error as Error).name });
};

/** An app whose only route throws `error`. */
async function throwing(error: unknown, options?: Parameters<typeof switchyardErrorHandler>[0]): Promise<RawResponse> {
  const app = express();
  app.get('/boom', () => {
    throw error;
  });
  app.use(switchyardErrorHandler(options));
  app.use(fallback);
  const server = await serve(app);
  return send(`${server.url}/boom`).response;
}

function upstreamResponse(status: number): Response {
  return new Response('no', { status });
}

describe('switchyardErrorHandler()', () => {
  const cases: Array<[string, unknown, number, string, string | undefined]> = [
    ['open breaker', new BrokenCircuitError(2_500), 503, 'SWITCHYARD_BROKEN_CIRCUIT', '3'],
    ['open breaker, unknown wait', new BrokenCircuitError(0), 503, 'SWITCHYARD_BROKEN_CIRCUIT', '1'],
    ['open breaker, sub-second wait', new BrokenCircuitError(10), 503, 'SWITCHYARD_BROKEN_CIRCUIT', '1'],
    ['isolated breaker', new IsolatedCircuitError(), 503, 'SWITCHYARD_ISOLATED_CIRCUIT', undefined],
    ['full bulkhead', new BulkheadRejectedError(10, 0), 503, 'SWITCHYARD_BULKHEAD_REJECTED', undefined],
    ['no instances', new NoInstancesError('cart'), 503, 'SWITCHYARD_NO_INSTANCES', undefined],
    ['registry down', new RegistryError('consul', 'unreachable'), 503, 'SWITCHYARD_REGISTRY', undefined],
    [
      'a Switchyard error without a status of its own',
      new SwitchyardError('SWITCHYARD_HTTP_STATUS', 'x'),
      502,
      'SWITCHYARD_HTTP_STATUS',
      undefined,
    ],
    ['bad option (a bug here)', new ConfigError('timeoutMs', 'a number', 'x'), 500, 'SWITCHYARD_CONFIG', undefined],
    ['timeout', new TimeoutError(250), 504, 'SWITCHYARD_TIMEOUT', undefined],
    [
      'failing upstream status',
      new HttpStatusError(upstreamResponse(500), undefined),
      502,
      'SWITCHYARD_HTTP_STATUS',
      undefined,
    ],
  ];

  it.each(cases)('%s → %i', async (_name, error, status, code, retryAfter) => {
    const res = await throwing(error);
    expect(res.status).toBe(status);
    expect(res.headers['retry-after']).toBe(retryAfter);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'about:blank', status, error: code });
    expect(typeof body.message).toBe('string');
    expect(body.detail).toBe(body.message);
  });

  it('does not leak internal details unless asked', async () => {
    const error = new NoInstancesError('internal-billing-v2');
    const hidden = JSON.parse((await throwing(error)).body) as { message: string };
    expect(hidden.message).not.toContain('internal-billing-v2');
    const shown = JSON.parse((await throwing(error, { exposeMessages: true })).body) as { message: string };
    expect(shown.message).toBe(error.message);
  });

  it('answers a ConfigError with 500 and a hidden message; passes foreign errors to next(err)', async () => {
    const config = await throwing(new ConfigError('internal.option', 'y', 1));
    expect(config.status).toBe(500);
    expect(config.body).not.toContain('internal.option');
    expect(JSON.parse(config.body)).toMatchObject({ title: 'Internal Server Error', error: 'SWITCHYARD_CONFIG' });
    const foreign = await throwing(new TypeError('bug'));
    expect(foreign.status).toBe(500);
    expect(JSON.parse(foreign.body)).toEqual({ fallback: 'TypeError' });
  });

  it('passes the error on when the response has already started', async () => {
    const app = express();
    const passedOn: unknown[] = [];
    app.get('/late', (_req, res, next) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      next(new TimeoutError(5));
    });
    app.use(switchyardErrorHandler());
    app.use(((error, _req, res, _next) => {
      passedOn.push(error);
      res.end();
    }) as ErrorRequestHandler);
    const server = await serve(app);
    const res = await send(`${server.url}/late`).response;
    expect(res.status).toBe(200);
    expect(passedOn).toHaveLength(1);
  });

  it('rejects bad options with a ConfigError naming them', () => {
    expect(() => switchyardErrorHandler({ exposeMessages: 'yes' as unknown as boolean })).toThrow(
      expect.objectContaining({ code: 'SWITCHYARD_CONFIG', option: 'exposeMessages' }),
    );
    expect(() => switchyardErrorHandler(null as never)).toThrow(
      expect.objectContaining({ code: 'SWITCHYARD_CONFIG', option: 'options' }),
    );
  });

  it('switchyardProblem() maps without Express', () => {
    expect(switchyardProblem(new BrokenCircuitError(61_001))?.retryAfterSeconds).toBe(62);
    expect(switchyardProblem(new Error('x'))).toBeUndefined();
  });
});

describe('errors from real calls through req.switchyard', () => {
  async function app(registry: StaticRegistry, options: Parameters<typeof createClient>[0] = { registry }) {
    const client = createClient({ ...options, registry });
    cleanups.push(() => client.close());
    const app = express();
    app.use(switchyard({ client, telemetry: false }));
    app.get('/proxy', async (req, res) => {
      const upstream = await req.switchyard.fetch('catalog', '/x');
      res.status(upstream.status).send(await upstream.text());
    });
    app.use(switchyardErrorHandler());
    app.use(fallback);
    return serve(app);
  }

  it('no instances → 503', async () => {
    const server = await app(new StaticRegistry());
    const res = await send(`${server.url}/proxy`).response;
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'SWITCHYARD_NO_INSTANCES' });
  });

  it('connection refused (a plain fetch TypeError) → 502 with its error type', async () => {
    const closed = await startDownstream();
    const port = closed.port;
    await closed.close();
    const registry = new StaticRegistry({ services: { catalog: [{ host: '127.0.0.1', port }] } });
    const server = await app(registry, { registry, retry: false });
    const res = await send(`${server.url}/proxy`).response;
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'ECONNREFUSED' });
  });

  it('an open breaker → 503 with Retry-After from the breaker', async () => {
    const downstream = await startDownstream();
    cleanups.push(() => downstream.close());
    downstream.status = 500;
    const registry = new StaticRegistry({ services: { catalog: [{ host: '127.0.0.1', port: downstream.port }] } });
    let now = 0;
    const server = await app(registry, {
      registry,
      retry: false,
      clock: { now: () => now },
      breaker: { slidingWindowSize: 2, minimumNumberOfCalls: 2, waitDurationInOpenState: 30_000 },
    });
    expect((await send(`${server.url}/proxy`).response).status).toBe(500);
    expect((await send(`${server.url}/proxy`).response).status).toBe(500);
    now = 12_000;
    const res = await send(`${server.url}/proxy`).response;
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('18');
    expect(JSON.parse(res.body)).toMatchObject({ error: 'SWITCHYARD_BROKEN_CIRCUIT' });
    expect(downstream.requests).toHaveLength(2);
  });
});
