// Test helpers for the NestJS adapter: real downstream HTTP servers on 127.0.0.1, a Nest
// application built with @nestjs/testing and listening on port 0, a logger that records,
// and a count of finished responses (the in-memory SDK is test/support/otel.ts).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';

export interface Downstream {
  readonly port: number;
  /** Requests received, in order. */
  readonly requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
  /** Status of the next answers. */
  status: number;
  close(): Promise<void>;
}

/** A real HTTP service answering `{ from, url }` as JSON with `status`. */
export async function startDownstream(name: string): Promise<Downstream> {
  const requests: Downstream['requests'] = [];
  const state = { status: 200 };
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.writeHead(state.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ from: name, url: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    get status() {
      return state.status;
    },
    set status(value: number) {
      state.status = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Records what Nest and Switchyard log, by level. */
export class RecordingLogger implements LoggerService {
  readonly entries: Array<{ level: string; message: string }> = [];
  log(message: unknown): void {
    this.entries.push({ level: 'log', message: String(message) });
  }
  error(message: unknown): void {
    this.entries.push({ level: 'error', message: String(message) });
  }
  warn(message: unknown): void {
    this.entries.push({ level: 'warn', message: String(message) });
  }
  debug(): void {}
  verbose(): void {}
  messages(level: string): string[] {
    return this.entries.filter((e) => e.level === level).map((e) => e.message);
  }
}

export interface RunningApp {
  readonly app: INestApplication;
  readonly url: string;
  readonly port: number;
  readonly logger: RecordingLogger;
}

/** Compiles `metadata`, runs `beforeListen` (e.g. `app.use`), listens on 127.0.0.1 port 0. */
export async function startApp(
  metadata: ModuleMetadata,
  beforeListen?: (app: INestApplication) => void,
  logger = new RecordingLogger(),
): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule(metadata).setLogger(logger).compile();
  const app = moduleRef.createNestApplication({ logger });
  beforeListen?.(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, port, logger };
}

/** Counts finished responses, so a test can wait until the server is done with a request. */
export interface ResponseTracker {
  /** Resolves once `n` responses have finished (their `finish` listeners, added later, have run). */
  finished(n: number): Promise<void>;
}

/** Installs a middleware (call it before listen, before other middlewares) that counts finished responses. */
export function trackResponses(app: INestApplication): ResponseTracker {
  let count = 0;
  let waiters: Array<{ n: number; resolve: () => void }> = [];
  app.use((_req: unknown, res: { once(event: 'finish', listener: () => void): void }, next: () => void) => {
    res.once('finish', () => {
      count++;
      // Resolved promises run after this emit has called every finish listener.
      waiters = waiters.filter((w) => {
        if (count < w.n) return true;
        w.resolve();
        return false;
      });
    });
    next();
  });
  return {
    finished: (n) => (count >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}
