import { readFileSync } from 'node:fs';
import { createClient, type ServiceClient, StaticRegistry } from '@switchyard/core';
import { isConfigError } from '@switchyard/core/internal';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION, switchyard } from '@switchyard/express';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installGlobalContext } from '../support/otel.js';
import { deferred, type Listening, listen, send, startDownstream, TRACE_ID, TRACEPARENT } from './support.js';

let uninstall: () => void;
beforeAll(() => {
  uninstall = installGlobalContext();
});
afterAll(() => uninstall());

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { telemetry?: false; abortOnDisconnect?: boolean } = {}) {
  const downstream = await startDownstream();
  cleanups.push(() => downstream.close());
  const registry = new StaticRegistry({ services: { catalog: [{ host: '127.0.0.1', port: downstream.port }] } });
  const client = createClient({ registry, retry: false });
  cleanups.push(() => client.close());
  const app = express();
  const middleware = switchyard({ client, ...options });
  app.use(middleware);
  return { app, client, downstream, registry, middleware };
}

async function serve(app: express.Express): Promise<Listening> {
  const listening = await listen(app);
  cleanups.push(() => listening.close());
  return listening;
}

describe('switchyard() middleware', () => {
  it('attaches req.switchyard, whose fetch reaches a downstream service through the registry', async () => {
    const { app, client, downstream } = await setup({ telemetry: false });
    app.get('/products/:id', async (req, res) => {
      expect(req.switchyard.client).toBe(client);
      const upstream = await req.switchyard.fetch('catalog', `/items/${req.params.id}`);
      res.status(upstream.status).json({ proxied: await upstream.json() });
    });
    const server = await serve(app);
    const { status, body } = await send(`${server.url}/products/7`).response;
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({ proxied: { from: 'downstream', url: '/items/7' } });
    expect(downstream.requests.map((r) => r.url)).toEqual(['/items/7']);
  });

  it('call() hands the picked instance and an attempt signal to any transport', async () => {
    const { app, downstream } = await setup({ telemetry: false });
    app.get('/via-call', async (req, res) => {
      const text = await req.switchyard.call('catalog', async (instance, attempt) => {
        const r = await fetch(`http://${instance.host}:${instance.port}/raw`, { signal: attempt.signal });
        return r.text();
      });
      res.type('text/plain').send(text);
    });
    const server = await serve(app);
    const { status, body } = await send(`${server.url}/via-call`).response;
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({ from: 'downstream', url: '/raw' });
    expect(downstream.requests).toHaveLength(1);
  });

  it('downstream calls continue the incoming trace (same trace id as the incoming traceparent)', async () => {
    const { app, downstream } = await setup();
    app.get('/traced', async (req, res) => {
      const upstream = await req.switchyard.fetch('catalog', '/t');
      await upstream.arrayBuffer();
      res.sendStatus(204);
    });
    const server = await serve(app);
    await send(`${server.url}/traced`, { headers: { traceparent: TRACEPARENT } }).response;
    const traceparent = downstream.requests[0]?.headers.traceparent;
    expect(typeof traceparent).toBe('string');
    expect(String(traceparent).split('-')[1]).toBe(TRACE_ID);
  });

  it('continues the incoming trace with server telemetry turned off too', async () => {
    const { app, downstream } = await setup({ telemetry: false });
    app.get('/traced', async (req, res) => {
      await (await req.switchyard.fetch('catalog', '/t')).arrayBuffer();
      res.sendStatus(204);
    });
    const server = await serve(app);
    await send(`${server.url}/traced`, { headers: { traceparent: TRACEPARENT } }).response;
    expect(String(downstream.requests[0]?.headers.traceparent).split('-')[1]).toBe(TRACE_ID);
  });

  it('a request without traceparent starts no trace of its own downstream (no SDK: nothing to continue)', async () => {
    const { app, downstream } = await setup();
    app.get('/untraced', async (req, res) => {
      await (await req.switchyard.fetch('catalog', '/t')).arrayBuffer();
      res.sendStatus(204);
    });
    const server = await serve(app);
    await send(`${server.url}/untraced`).response;
    expect(downstream.requests[0]?.headers.traceparent).toBeUndefined();
  });

  it('aborts the downstream call when the client disconnects before the response', async () => {
    const { app, downstream } = await setup({ telemetry: false });
    downstream.hang = true;
    const outcome = deferred<unknown>();
    app.get('/slow', async (req, res) => {
      try {
        await req.switchyard.fetch('catalog', '/hang');
        outcome.resolve('resolved');
      } catch (error) {
        outcome.resolve(error);
      }
      res.end();
    });
    const server = await serve(app);
    const arrived = downstream.nextRequest();
    const pending = send(`${server.url}/slow`);
    pending.response.catch(() => {});
    await arrived;
    pending.abort();
    const error = await outcome.promise;
    expect(error, String(error)).toHaveProperty('name', 'AbortError');
    // The downstream sees its request's connection closed: the call was really cancelled.
    await downstream.abandoned;
  });

  it('links a caller signal with the disconnect signal', async () => {
    const { app, downstream } = await setup({ telemetry: false });
    downstream.hang = true;
    const outcome = deferred<unknown>();
    app.get('/mine', async (req, res) => {
      const mine = new AbortController();
      const call = req.switchyard.fetch('catalog', '/hang', { signal: mine.signal });
      await downstream.nextRequest();
      mine.abort(new Error('changed my mind'));
      await call.catch((error: unknown) => outcome.resolve(error));
      expect(req.switchyard.signal.aborted).toBe(false);
      res.sendStatus(204);
    });
    const server = await serve(app);
    const { status } = await send(`${server.url}/mine`).response;
    expect(status).toBe(204);
    expect((await outcome.promise) as Error).toHaveProperty('message', 'changed my mind');
  });

  it('with abortOnDisconnect false the downstream call outlives the client', async () => {
    const { app, downstream } = await setup({ telemetry: false, abortOnDisconnect: false });
    downstream.hang = true;
    const disconnected = deferred<AbortSignal>();
    app.get('/keep', async (req, res) => {
      res.on('close', () => disconnected.resolve(req.switchyard.signal));
      void req.switchyard.fetch('catalog', '/hang').catch(() => {});
    });
    const server = await serve(app);
    const arrived = downstream.nextRequest();
    const pending = send(`${server.url}/keep`);
    pending.response.catch(() => {});
    await arrived;
    pending.abort();
    expect((await disconnected.promise).aborted).toBe(false);
    expect(downstream.requests).toHaveLength(1);
  });

  it('does not abort calls made after a normal response', async () => {
    const { app } = await setup({ telemetry: false });
    const signal = deferred<AbortSignal>();
    app.get('/done', (req, res) => {
      res.on('close', () => signal.resolve(req.switchyard.signal));
      res.sendStatus(204);
    });
    const server = await serve(app);
    await send(`${server.url}/done`).response;
    expect((await signal.promise).aborted).toBe(false);
  });

  it('mounted twice, the first one owns the request', async () => {
    const { app, middleware } = await setup({ telemetry: false });
    const seen: unknown[] = [];
    app.use((req, _res, next) => {
      seen.push(req.switchyard);
      next();
    });
    app.use(middleware);
    app.get('/twice', (req, res) => {
      seen.push(req.switchyard);
      res.sendStatus(204);
    });
    const server = await serve(app);
    await send(`${server.url}/twice`).response;
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
  });

  describe('issue 10 case 5: req.switchyard without a property per request', () => {
    it('is read from the response scope, not added to the request, and stays after a sub-app', async () => {
      const { app, client } = await setup({ telemetry: false });
      const sub = express();
      const seen: Array<{ own: boolean; client: unknown }> = [];
      const look = (req: express.Request) =>
        seen.push({ own: Object.hasOwn(req, 'switchyard'), client: req.switchyard?.client });
      sub.get('/in', (req, _res, next) => {
        look(req);
        next();
      });
      app.use('/sub', sub);
      app.get('/sub/in', (req, res) => {
        // Back in the parent app: Express swapped the request's prototype back.
        look(req);
        res.sendStatus(204);
      });
      const server = await serve(app);
      expect((await send(`${server.url}/sub/in`).response).status).toBe(204);
      expect(seen).toEqual([
        { own: false, client },
        { own: false, client },
      ]);
    });

    it('a request the middleware did not see has none, and assigning req.switchyard still works', async () => {
      const app = express();
      const seen: unknown[] = [];
      app.get('/plain', (req, res) => {
        seen.push(req.switchyard);
        (req as { switchyard: unknown }).switchyard = 'mine';
        seen.push(req.switchyard);
        res.sendStatus(204);
      });
      // Another app with the middleware installs the getter on Express's shared request prototype.
      const other = await setup({ telemetry: false });
      other.app.get('/x', (_req, res) => res.sendStatus(204));
      const otherServer = await serve(other.app);
      await send(`${otherServer.url}/x`).response;
      const server = await serve(app);
      await send(`${server.url}/plain`).response;
      expect(seen).toEqual([undefined, 'mine']);
    });
  });

  it('owns the client it creates from clientOptions and closes only that one', async () => {
    const registry = new StaticRegistry({ services: { catalog: [{ host: '127.0.0.1', port: 1 }] } });
    const owned = switchyard({ clientOptions: { registry }, telemetry: false });
    await owned.close();
    expect(() => owned.client.runtime('catalog')).toThrow(/not closed/);

    const shared: ServiceClient = createClient({ registry });
    const borrowing = switchyard({ client: shared, telemetry: false });
    await borrowing.close();
    expect(() => shared.runtime('catalog')).not.toThrow();
    await shared.close();
  });
});

describe('switchyard() options', () => {
  const registry = new StaticRegistry();
  const client = createClient({ registry });
  afterAll(() => client.close());

  const cases: Array<[string, unknown]> = [
    ['options', undefined],
    ['client', {}],
    ['client', { client, clientOptions: { registry } }],
    ['client', { client: { fetch: 1 } }],
    ['clientOptions', { clientOptions: 'x' }],
    ['clientOptions.registry', { clientOptions: { registry: {} } }],
    ['clientOptions.scheme', { clientOptions: { registry, scheme: 'ftp' } }],
    ['telemetry', { client, telemetry: true }],
    ['telemetry.httpInstrumentation', { client, telemetry: { httpInstrumentation: 'otel' } }],
    ['telemetry.tracerProvider', { client, telemetry: { tracerProvider: {} } }],
    ['telemetry.knownHttpMethods', { client, telemetry: { knownHttpMethods: 'GET' } }],
    ['abortOnDisconnect', { client, abortOnDisconnect: 'yes' }],
    ['route', { client, route: '/x' }],
  ];
  it.each(cases)('a bad %s throws a ConfigError naming it', (option, options) => {
    let thrown: unknown;
    try {
      switchyard(options as Parameters<typeof switchyard>[0]);
    } catch (error) {
      thrown = error;
    }
    expect(isConfigError(thrown), String(thrown)).toBe(true);
    expect((thrown as { option?: unknown }).option).toBe(option);
    expect((thrown as Error).message).toContain(`"${option}"`);
  });
});

describe('package', () => {
  it('the instrumentation scope is the package name and version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../packages/express/package.json', import.meta.url), 'utf8')) as {
      name: string;
      version: string;
    };
    expect(INSTRUMENTATION_SCOPE).toBe(pkg.name);
    expect(INSTRUMENTATION_VERSION).toBe(pkg.version);
  });
});
