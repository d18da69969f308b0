// Issue 10, item 1: with the platform's fetch, client.fetch sends over the client's undici
// agent, which follows the attempt's abort without an AbortSignal per attempt. The server
// must still see the request cancelled: at a timeout, at the caller's abort, for a lost
// hedge, and for a request aborted while it still waited for a connection.
import * as diagnosticsChannel from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type ClientOptions, createClient, StaticRegistry, TimeoutError } from '@switchyard/core';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../../test/support/until.js';
import { type HangingServer, startHangingServer, startServer } from './servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Listens on 127.0.0.1 (port 0) until the test's cleanup. */
async function listen(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
}

async function hanging(): Promise<HangingServer> {
  const server = await startHangingServer();
  cleanups.push(() => server.close());
  return server;
}

function clientOn(instances: Array<{ id: string; port: number }>, options: Omit<ClientOptions, 'registry'>) {
  const registry = new StaticRegistry({
    services: { cart: instances.map((i) => ({ id: i.id, host: '127.0.0.1', port: i.port })) },
  });
  const client = createClient({ registry, telemetry: false, retry: false, breaker: false, ...options });
  cleanups.push(async () => {
    await client.close();
    await registry.close();
  });
  return client;
}

describe('issue 10: client.fetch over the agent cancels what it gives up on', () => {
  it('closes the request in flight at the per-attempt timeout', async () => {
    const server = await hanging();
    const client = clientOn([{ id: 'h', port: server.port }], { timeoutMs: 50 });
    const error = await client.fetch('cart', '/hang').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    await server.closed;
    expect(server.paths).toEqual(['/hang']);
  });

  it("closes the request in flight at the caller's abort while a timeout is on", async () => {
    const server = await hanging();
    const client = clientOn([{ id: 'h', port: server.port }], { timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = client.fetch('cart', '/hang', { signal: controller.signal });
    await until(() => server.paths.length > 0, 'the request reached the server');
    controller.abort(new Error('user cancelled'));
    await expect(pending).rejects.toThrow('user cancelled');
    await server.closed;
  });

  it('closes the hedge that lost', async () => {
    const slow = await hanging();
    const fast = await startServer('fast');
    cleanups.push(() => fast.close());
    const client = clientOn(
      [
        { id: 'slow', port: slow.port },
        { id: 'fast', port: fast.port },
      ],
      { balancer: 'round-robin', hedge: { delayMs: 1 } },
    );
    const response = await client.fetch('cart', '/hang');
    expect(((await response.json()) as { id: string }).id).toBe('fast');
    await slow.closed;
  });

  it('never sends a request aborted while it waited for a connection', async () => {
    const server = await hanging();
    // One connection: the second request queues behind the first, which hangs.
    // undici's own Agent, as a caller would pass it (the global types name Node's bundled undici).
    const dispatcher = new Agent({ connections: 1 }) as unknown as NonNullable<RequestInit['dispatcher']>;
    cleanups.push(() => (dispatcher as unknown as Agent).close());
    const client = clientOn([{ id: 'h', port: server.port }], { timeoutMs: 60_000 });
    const first = new AbortController();
    const hung = client.fetch('cart', '/hang', { dispatcher, signal: first.signal });
    await until(() => server.paths.length > 0, 'the request reached the server');
    const second = new AbortController();
    const queued = client.fetch('cart', '/hang-queued', { dispatcher, signal: second.signal });
    second.abort(new Error('gave up waiting'));
    await expect(queued).rejects.toThrow('gave up waiting');
    first.abort(new Error('done'));
    await expect(hung).rejects.toThrow('done');
    // In order on the one connection: once /ok is answered, /hang-queued would have been sent.
    expect(await (await client.fetch('cart', '/ok', { dispatcher })).text()).toBe('ok');
    expect(server.paths).toEqual(['/hang', '/ok']);
  });
});

describe('issue 10: a response collected unread frees its connection, as fetch does', () => {
  const CHUNK = Buffer.alloc(1024 * 1024, 'x');
  const CHUNKS = 8;

  /** A server answering 8 MB (enough that undici pauses the socket with the body unread); `closed` once its response closed. */
  async function bigServer(): Promise<{ port: number; closed: () => boolean }> {
    let closed = false;
    const server = createServer((_req, res) => {
      res.on('close', () => {
        closed = true;
      });
      res.writeHead(200, { 'content-length': String(CHUNK.length * CHUNKS) });
      for (let i = 0; i < CHUNKS; i++) res.write(CHUNK);
      res.end();
    });
    await listen(server);
    return { port: (server.address() as AddressInfo).port, closed: () => closed };
  }

  /** Collects garbage until `done` (at most 500 rounds, each a GC and a turn of the event loop). */
  async function collectUntil(done: () => boolean): Promise<void> {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 500 && !done(); i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('destroys the body of a response nobody read once it is garbage-collected', async () => {
    const server = await bigServer();
    const client = clientOn([{ id: 'big', port: server.port }], {});
    // Only the status is looked at; the response goes out of reach at once.
    expect(await client.fetch('cart', '/').then((response) => response.status)).toBe(200);
    await collectUntil(server.closed);
    expect(server.closed()).toBe(true);
  });

  it.each([
    ['its body', (response: Response) => response.body as ReadableStream<Uint8Array>],
    ['a clone', (response: Response) => response.clone()],
  ])('keeps the body of a dropped response whose caller kept %s', async (_name, keep) => {
    const server = await bigServer();
    const client = clientOn([{ id: 'big', port: server.port }], {});
    let collected = false;
    const watch = new FinalizationRegistry<string>(() => {
      collected = true;
    });
    const body = await client.fetch('cart', '/').then((response) => {
      watch.register(response, 'response');
      return keep(response);
    });
    await collectUntil(() => collected);
    expect(collected).toBe(true);
    const read = body instanceof Response ? body.body : body;
    let bytes = 0;
    for await (const part of read as ReadableStream<Uint8Array>) bytes += part.byteLength;
    expect(bytes).toBe(CHUNK.length * CHUNKS);
  });
});

describe('issue 10: a body that fails before it is read', () => {
  it('cancelled unread, frees its connection and crashes nothing', async () => {
    let closed = false;
    const server = createServer((_req, res) => {
      res.on('close', () => {
        closed = true;
      });
      res.writeHead(200, { 'content-length': String(4 * 1024 * 1024) });
      res.write(Buffer.alloc(1024 * 1024));
    });
    await listen(server);
    const client = clientOn([{ id: 'c', port: (server.address() as AddressInfo).port }], {});
    const response = await client.fetch('cart', '/');
    // What the client does with a failure answer it discards, and what a caller may do.
    // Before, the body's connection stayed paused for good.
    await response.body?.cancel();
    await until(() => closed, 'the cancelled request closed its connection');
    // undici fails the destroyed body with an 'error': unheard, it would be uncaught by now.
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('crashes nothing, and its reader gets the error', async () => {
    let reset: () => void = () => {};
    const gone = new Promise<void>((resolve) => {
      reset = resolve;
    });
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('part');
      // The connection breaks after the head, before the caller reads a byte.
      setImmediate(() => {
        res.socket?.destroy();
        reset();
      });
    });
    await listen(server);
    const client = clientOn([{ id: 'r', port: (server.address() as AddressInfo).port }], {});
    // undici reports the request failing here once it has seen the reset.
    let failed = false;
    const onFailed = () => {
      failed = true;
    };
    diagnosticsChannel.subscribe('undici:request:error', onFailed);
    try {
      const response = await client.fetch('cart', '/');
      await gone;
      await until(() => failed, 'undici saw the reset');
      // undici fails the unread body a microtask later: an unheard 'error' would be uncaught there.
      await new Promise((resolve) => setImmediate(resolve));
      await expect(response.text()).rejects.toBeInstanceOf(Error);
    } finally {
      diagnosticsChannel.unsubscribe('undici:request:error', onFailed);
    }
  });
});
