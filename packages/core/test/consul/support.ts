// Helpers for the Consul registry tests: bounded waits on the registry's own watch, real
// HTTP servers on 127.0.0.1 standing in for a misbehaving agent or counting the requests
// that reach a real one, and raw agent API calls that bypass the registry.
import { createServer, type IncomingHttpHeaders, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InstanceFilter, ServiceRegistry, ServiceSnapshot } from '@switchyard/core';

let counter = 0;

/** A service name no other test (or earlier run against the same agent) uses. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Watches `service` until a snapshot satisfies `predicate`, then stops watching. Rejects
 * after `timeoutMs` with what was seen, so a test never waits forever.
 */
export function waitForSnapshot(
  registry: ServiceRegistry,
  service: string,
  predicate: (snapshot: ServiceSnapshot) => boolean,
  options: { timeoutMs?: number; filter?: InstanceFilter; what?: string } = {},
): Promise<ServiceSnapshot> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    let last: ServiceSnapshot | undefined;
    let done = false;
    const finish = (error: Error | undefined, snapshot?: ServiceSnapshot): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // The first delivery is on a microtask after watch() returns, so `handle` is set by then.
      queueMicrotask(() => handle.dispose());
      if (error === undefined) resolve(snapshot as ServiceSnapshot);
      else reject(error);
    };
    const timer = setTimeout(() => {
      finish(
        new Error(
          `no snapshot of ${service} ${options.what ?? 'matched'} within ${timeoutMs} ms; last: ${describeSnapshot(last)}`,
        ),
      );
    }, timeoutMs);
    const handle = registry.watch(
      service,
      (snapshot) => {
        last = snapshot;
        if (predicate(snapshot)) finish(undefined, snapshot);
      },
      options.filter,
    );
  });
}

export function describeSnapshot(snapshot: ServiceSnapshot | undefined): string {
  if (snapshot === undefined) return 'none';
  const instances = snapshot.instances.map((i) => `${i.id}(${i.health},w${i.weight})`).join(' ');
  return `v${snapshot.version} stale=${snapshot.stale} [${instances}]`;
}

/** Collects unhandled rejections while installed. */
export function trackUnhandledRejections(): { readonly reasons: unknown[]; dispose(): void } {
  const reasons: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    reasons.push(reason);
  };
  process.on('unhandledRejection', onRejection);
  return { reasons, dispose: () => process.off('unhandledRejection', onRejection) };
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** `performance.now()` when it arrived. */
  readonly at: number;
}

export interface TestHttpServer {
  readonly port: number;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 playing a (misbehaving) Consul agent: `handler` answers each request. */
export async function startFakeAgent(
  handler: (request: RecordedRequest, response: ServerResponse, index: number) => void,
): Promise<TestHttpServer & { handler: typeof handler }> {
  const requests: RecordedRequest[] = [];
  const state = { handler };
  const server = createServer((req, res) => {
    const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: performance.now() };
    requests.push(recorded);
    req.resume();
    state.handler(recorded, res, requests.length - 1);
  });
  const port = await listen(server);
  return Object.assign(state, { port, requests, close: () => closeServer(server) });
}

/**
 * A real HTTP proxy on 127.0.0.1 in front of a real agent: forwards every request
 * unchanged and records it, so a test can count the queries the registry really sends.
 */
export async function startCountingProxy(
  targetPort: number,
): Promise<TestHttpServer & { count(path: string): number }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: performance.now() });
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  const port = await listen(server);
  return {
    port,
    requests,
    count: (path) => requests.filter((r) => new URL(r.url, 'http://x').pathname === path).length,
    close: () => closeServer(server),
  };
}

/** Calls the agent's HTTP API directly, bypassing the registry (to act as another process would). */
export async function agentApi(baseUrl: string, method: 'GET' | 'PUT', path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** Answers like Consul's health endpoint. */
export function healthAnswer(response: ServerResponse, index: number, entries: unknown[]): void {
  response.writeHead(200, { 'content-type': 'application/json', 'x-consul-index': String(index) });
  response.end(JSON.stringify(entries));
}

/** One `/v1/health/service` entry as Consul shapes it. */
export function healthEntry(
  id: string,
  port: number,
  statuses: readonly string[] = ['passing'],
  extra: { address?: string; nodeAddress?: string; weights?: { Passing: number; Warning: number } } = {},
): unknown {
  return {
    Node: { Node: 'node-1', Address: extra.nodeAddress ?? '127.0.0.1' },
    Service: {
      ID: id,
      Service: 'svc',
      Tags: [],
      Address: extra.address ?? '',
      Meta: {},
      Port: port,
      Weights: extra.weights ?? { Passing: 1, Warning: 1 },
    },
    Checks: statuses.map((Status, i) => ({ CheckID: `check-${i}`, Status, ServiceID: i === 0 ? '' : id })),
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** The health queries (`/v1/health/service/...`) among what a fake agent received. */
export function healthRequests(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter((r) => r.url.startsWith('/v1/health/service/'));
}

/**
 * Resolves once the fake agent has received `count` health queries, checking each turn of
 * the event loop; rejects after `timeoutMs` (the registry's backoffs run on real timers).
 */
export async function untilHealthRequests(
  requests: RecordedRequest[],
  count: number,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (healthRequests(requests).length < count) {
    if (performance.now() > deadline) throw new Error(`only ${healthRequests(requests).length} of ${count} queries`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
