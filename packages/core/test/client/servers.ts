// Real HTTP servers on 127.0.0.1 (port 0) whose behaviour a test changes as it goes.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StaticRegistry } from '@switchyard/core';

export interface Behaviour {
  /** Status to answer with. Default 200. */
  status: number;
  /** Never answer (until the client gives up or the server closes). */
  hang: boolean;
  /** Extra response headers. */
  headers: Record<string, string>;
}

export interface TestServer {
  readonly id: string;
  readonly port: number;
  readonly behaviour: Behaviour;
  /** Requests received, in order. */
  readonly requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
  readonly hits: number;
  close(): Promise<void>;
}

export async function startServer(id: string, behaviour: Partial<Behaviour> = {}): Promise<TestServer> {
  const state: Behaviour = { status: 200, hang: false, headers: {}, ...behaviour };
  const requests: TestServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (state.hang) return;
    res.writeHead(state.status, { 'content-type': 'application/json', ...state.headers });
    res.end(JSON.stringify({ id, status: state.status }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    id,
    port,
    behaviour: state,
    requests,
    get hits() {
      return requests.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that refuses connections: bound once, then released. */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A StaticRegistry whose `cart` service is `servers` on 127.0.0.1, in order, each under its own id. */
export function cartRegistry(...servers: readonly { readonly id: string; readonly port: number }[]): StaticRegistry {
  return new StaticRegistry({
    services: { cart: servers.map((s) => ({ id: s.id, host: '127.0.0.1', port: s.port })) },
  });
}

export interface HangingServer {
  readonly port: number;
  /** Paths of the requests received, in order. */
  readonly paths: readonly string[];
  /** Settles once the client closed the connection of the first request that hung. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** A server that never answers a path starting with `/hang` (and answers 200 to any other). */
export async function startHangingServer(): Promise<HangingServer> {
  const paths: string[] = [];
  let onClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    onClosed = resolve;
  });
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    if (req.url?.startsWith('/hang')) {
      res.on('close', onClosed);
      return;
    }
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    closed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
