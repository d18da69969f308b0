import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * The requests a `node:http` server is answering, so a drain knows when it is done. Until
 * `startDraining()` it only counts: keep-alive stays up, which matters during the
 * deregister delay when lagging callers still send requests. After it, answers not started
 * yet say `Connection: close` and every connection that becomes idle is closed.
 */
export class InFlightRequests {
  private readonly active = new Set<ServerResponse>();
  private draining = false;
  private idle: (() => void) | undefined;
  private readonly onRequest = (_req: IncomingMessage, res: ServerResponse): void => {
    this.active.add(res);
    if (this.draining && !res.headersSent) res.setHeader('Connection', 'close');
    res.once('close', () => this.finished(res));
  };

  constructor(private readonly server: Server) {
    server.on('request', this.onRequest);
  }

  get size(): number {
    return this.active.size;
  }

  /** From now on, tell clients to go and close connections as they become idle. */
  startDraining(): void {
    this.draining = true;
    for (const res of this.active) if (!res.headersSent) res.setHeader('Connection', 'close');
    this.server.closeIdleConnections();
  }

  /** Resolves when no request is in flight (at once if none is). */
  whenIdle(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle = resolve;
    });
  }

  dispose(): void {
    this.server.removeListener('request', this.onRequest);
  }

  private finished(res: ServerResponse): void {
    this.active.delete(res);
    if (!this.draining) return;
    this.server.closeIdleConnections();
    if (this.active.size === 0) this.idle?.();
  }
}
