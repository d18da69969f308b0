import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { InstanceStats } from './stats.js';

/** How a toy instance behaves; mutable so the demo can break and heal it live. */
export interface Behaviour {
  /** Base latency in ms. */
  latencyMs: number;
  /** Fail every request with this status while set. */
  failWith?: number;
}

export interface ToyInstance {
  readonly name: string;
  readonly port: number;
  readonly behaviour: Behaviour;
  /** What this instance saw: requests, failures it answered, its own latency. */
  readonly stats: InstanceStats;
  close(): Promise<void>;
}

/** A toy HTTP service on 127.0.0.1 that answers after its latency, or fails on demand. */
export async function startToyInstance(name: string, behaviour: Behaviour): Promise<ToyInstance> {
  const stats = new InstanceStats();
  const server: Server = createServer((req, res) => {
    const received = performance.now();
    stats.inFlight++;
    // Jitter of ±20% keeps percentiles honest without hiding the slow instance.
    const delay = behaviour.latencyMs * (0.8 + Math.random() * 0.4);
    const timer = setTimeout(() => {
      const status = behaviour.failWith ?? 200;
      stats.inFlight--;
      stats.record(performance.now() - received, status < 500);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ instance: name, path: req.url, ok: status < 400 }));
    }, delay);
    req.on('close', () => {
      if (res.writableEnded) return;
      clearTimeout(timer);
      stats.inFlight--;
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name,
    port,
    behaviour,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
