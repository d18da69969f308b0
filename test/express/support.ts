// Shared pieces of the Express adapter tests: real servers on 127.0.0.1 (port 0) and raw
// HTTP requests whose connections a test controls (the in-memory SDK is test/support/otel.ts).
import { createServer, type IncomingHttpHeaders, type RequestListener, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, port 0. */
export async function listen(handler: RequestListener | Server): Promise<Listening> {
  const server = typeof handler === 'function' ? createServer(handler) : handler;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        if (!server.listening) resolve();
        else server.close(() => resolve());
      }),
  };
}

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface Downstream extends Listening {
  readonly requests: Received[];
  /** Resolves with the next request received (or the latest one if it already came). */
  nextRequest(): Promise<Received>;
  /** Resolves when the connection of a request the downstream never answered closes. */
  readonly abandoned: Promise<void>;
  status: number;
  hang: boolean;
}

/** A plain node:http service that records requests; it can answer a status or hang. */
export async function startDownstream(): Promise<Downstream> {
  const requests: Received[] = [];
  let waiting: ((r: Received) => void) | undefined;
  const abandoned = deferred<void>();
  const state = { status: 200, hang: false };
  const listening = await listen((req, res) => {
    const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    requests.push(received);
    waiting?.(received);
    waiting = undefined;
    if (state.hang) {
      res.on('close', () => abandoned.resolve());
      return;
    }
    const body = JSON.stringify({ from: 'downstream', url: req.url });
    res.writeHead(state.status, { 'content-type': 'application/json' });
    res.end(body);
  });
  return {
    server: listening.server,
    port: listening.port,
    url: listening.url,
    close: listening.close,
    requests,
    abandoned: abandoned.promise,
    nextRequest: () =>
      new Promise<Received>((resolve) => {
        waiting = resolve;
      }),
    get status() {
      return state.status;
    },
    set status(value: number) {
      state.status = value;
    },
    get hang() {
      return state.hang;
    },
    set hang(value: boolean) {
      state.hang = value;
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request on its own connection (no pooling), so tests know exactly which socket is used. */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): { response: Promise<RawResponse>; abort(): void } {
  const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false });
  const response = new Promise<RawResponse>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  req.end();
  return { response, abort: () => req.destroy() };
}

import { deferred } from '../support/deferred.js';

export { type Deferred, deferred } from '../support/deferred.js';

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const PARENT_SPAN_ID = '00f067aa0ba902b7';
export const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;
