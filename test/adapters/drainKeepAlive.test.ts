// Regression: a rolling restart through the Express lifecycle reset keep-alive POSTs during the
// deregister delay, because draining (Connection: close, closing idle connections after every
// response) started before the delay. Callers whose registry watches lag keep sending during
// the delay; every one of those requests must be served, none reset — under both adapters,
// which share the drain.
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StaticRegistry } from '@switchyard/core';
import { registerOnListen } from '@switchyard/express';
import { SwitchyardLifecycle, SwitchyardModule } from '@switchyard/nestjs';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred, listen } from '../express/support.js';
import { RecordingLogger } from '../nestjs/support.js';
import { ADAPTERS, type Adapter } from './apps.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A registry that tells the test when the instance is deregistered. */
class SignallingRegistry extends StaticRegistry {
  readonly deregistered = deferred<void>();
  override async deregister(id: string): Promise<void> {
    await super.deregister(id);
    this.deregistered.resolve();
  }
}

interface Outcome {
  readonly status: number;
  readonly connection: string | undefined;
}

/** One keep-alive POST through `agent`; rejects with the socket error (ECONNRESET, socket hang up). */
function post(agent: Agent, port: number, path: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ items: [1, 2, 3] });
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Serving {
  readonly server: Server;
  readonly port: number;
  readonly slowArrived: Promise<void>;
  releaseSlow(): void;
  /** Express: `lifecycle.shutdown()`; NestJS: `app.close()`, which runs the same steps. */
  shutdown(): Promise<unknown>;
  close(): Promise<void>;
}

/** POST /work answers at once, POST /slow when released; registered as `orders` with the delay. */
async function serve(adapter: Adapter, registry: StaticRegistry, deregisterDelayMs: number): Promise<Serving> {
  const release = deferred<void>();
  const slowArrived = deferred<void>();
  const work = (body: unknown) => ({ n: (body as { items: number[] }).items.length });
  const slow = async () => {
    slowArrived.resolve();
    await release.promise;
    return { slow: true };
  };
  if (adapter === 'express') {
    const app = express();
    app.use(express.json());
    app.post('/work', (req, res) => {
      res.json(work(req.body));
    });
    app.post('/slow', async (_req, res) => {
      res.json(await slow());
    });
    const listening = await listen(app);
    const lifecycle = registerOnListen(listening.server, {
      registry,
      registration: { service: 'orders' },
      deregisterDelayMs,
      drainTimeoutMs: 5_000,
    });
    await lifecycle.registered;
    return {
      server: listening.server,
      port: listening.port,
      slowArrived: slowArrived.promise,
      releaseSlow: () => release.resolve(),
      shutdown: () => lifecycle.shutdown(),
      close: () => listening.close(),
    };
  }
  @Controller()
  class WorkController {
    @Post('work')
    @HttpCode(200)
    work(@Body() body: unknown): unknown {
      return work(body);
    }
    @Post('slow')
    @HttpCode(200)
    slow(): Promise<unknown> {
      return slow();
    }
  }
  @Module({
    imports: [
      SwitchyardModule.forRoot({
        registry,
        registration: { service: 'orders' },
        deregisterDelayMs,
        drainTimeoutMs: 5_000,
      }),
    ],
    controllers: [WorkController],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: new RecordingLogger() });
  await app.listen(0, '127.0.0.1');
  await app.get(SwitchyardLifecycle).whenRegistered();
  const server = app.getHttpServer() as Server;
  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= app.close();
    return closing;
  };
  return {
    server,
    port: (server.address() as AddressInfo).port,
    slowArrived: slowArrived.promise,
    releaseSlow: () => release.resolve(),
    shutdown,
    close: shutdown,
  };
}

describe.each(ADAPTERS)('%s: drain after the deregister delay (keep-alive)', (adapter) => {
  it('serves every keep-alive POST in flight and arriving during the delay: no resets', async () => {
    const registry = new SignallingRegistry();
    // Long enough for the burst below; the burst stops well before it ends (bounded in time).
    const deregisterDelayMs = 1_500;
    const serving = await serve(adapter, registry, deregisterDelayMs);
    cleanups.push(() => serving.close());
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    cleanups.push(() => agent.destroy());

    // Warm the pool, then one request that is in flight when shutdown starts.
    await Promise.all(Array.from({ length: 8 }, () => post(agent, serving.port, '/work')));
    const inFlight = post(agent, serving.port, '/slow');
    await serving.slowArrived;

    const shutdown = serving.shutdown();
    await registry.deregistered.promise;
    const startedAt = performance.now();
    const budgetMs = deregisterDelayMs / 3;
    const maxRequests = 1_500;
    let sent = 0;
    const failures: unknown[] = [];
    const closes: string[] = [];
    // Seven callers whose watches lag: they keep sending on their keep-alive connections.
    const worker = async (): Promise<void> => {
      while (sent < maxRequests && performance.now() - startedAt < budgetMs && serving.server.listening) {
        sent++;
        try {
          const outcome = await post(agent, serving.port, '/work');
          if (outcome.status !== 200) failures.push(outcome.status);
          if (outcome.connection === 'close') closes.push('close');
        } catch (error) {
          failures.push((error as NodeJS.ErrnoException).code ?? String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: 7 }, worker));
    expect(serving.server.listening).toBe(true); // still in the delay: the burst was served normally
    serving.releaseSlow();
    expect(await inFlight).toMatchObject({ status: 200 });
    await shutdown;

    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(20);
    // Keep-alive stayed up during the delay: nobody was told to go.
    expect(closes).toEqual([]);
    expect((await registry.resolve('orders')).instances).toEqual([]);
    expect(serving.server.listening).toBe(false);
  });
});

describe('drain after the delay', () => {
  it('after the delay, stops accepting and answers what is still in flight with Connection: close', async () => {
    const release = deferred<void>();
    const arrived = deferred<void>();
    const app = express();
    app.post('/slow', async (_req, res) => {
      arrived.resolve();
      await release.promise;
      res.json({ slow: true });
    });
    const listening = await listen(app);
    cleanups.push(() => listening.close());
    const registry = new SignallingRegistry();
    const lifecycle = registerOnListen(listening.server, { registry, registration: { service: 'orders' } });
    await lifecycle.registered;
    const agent = new Agent({ keepAlive: true });
    cleanups.push(() => agent.destroy());
    const inFlight = post(agent, listening.port, '/slow');
    await arrived.promise;
    const shutdown = lifecycle.shutdown();
    // Deregistered, no delay: the drain starts within a few turns of the microtask queue.
    await registry.deregistered.promise;
    for (let i = 0; i < 100 && lifecycle.stage !== 'draining'; i++) await Promise.resolve();
    expect(lifecycle.stage).toBe('draining');
    expect(listening.server.listening).toBe(false);
    release.resolve();
    const outcome = await inFlight;
    expect(outcome).toEqual({ status: 200, connection: 'close' });
    expect((await shutdown).drained).toBe(true);
  });
});
