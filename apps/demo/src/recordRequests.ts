import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { InstanceStats } from './instanceStats.js';

/**
 * Connect-style middleware (Express, and Nest on Express) that counts what an instance
 * itself sees: every request, its latency from arrival to the end of the response, and
 * the 5xx it sent. A request whose client left first counts as 499.
 */
export function recordRequests(stats: InstanceStats) {
  return (_req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const start = performance.now();
    res.once('close', () => {
      stats.record(performance.now() - start, res.writableFinished ? res.statusCode : 499);
    });
    next();
  };
}
