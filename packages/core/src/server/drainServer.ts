import type { Server } from 'node:http';
import type { InFlightRequests } from './InFlightRequests.js';

/** What a drain did. */
export interface DrainResult {
  /** Every in-flight request finished before the deadline. */
  readonly drained: boolean;
  /** Requests still running at the deadline, whose connections were closed. */
  readonly forced: number;
}

/**
 * Drains a `node:http` server: stop accepting (`server.close()`), answer what is in flight
 * with `Connection: close`, close connections as they become idle, and close the ones still
 * busy only when `timeoutMs` passes. Call it after deregistering and the deregister delay:
 * before that, callers may still be sending requests on keep-alive connections.
 */
export async function drainServer(server: Server, requests: InFlightRequests, timeoutMs: number): Promise<DrainResult> {
  const closed = new Promise<void>((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
  requests.startDraining();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const done = requests.whenIdle().then(() => {
    // Keep-alive connections whose last answer just went out.
    server.closeIdleConnections();
    return closed;
  });
  const outcome = await Promise.race([done, deadline]);
  clearTimeout(timer);
  if (outcome !== 'timeout') return { drained: true, forced: 0 };
  const forced = requests.size;
  server.closeAllConnections();
  await closed;
  return { drained: forced === 0, forced };
}
