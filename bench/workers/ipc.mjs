// One messaging API for bench workers whether they run as a worker thread (parentPort)
// or as a forked child process (process.send), so the same server serves both.
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';

export const inWorkerThread = parentPort !== null;

export function sendToParent(message) {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

/**
 * Calls `handler` for each message from the parent. Also answers 'busy' (event-loop busy
 * ms) and 'cpu' (this process's user + system CPU ms, meaningful in a child process only).
 */
export function onParentMessage(handler) {
  const listener = (message) => {
    if (message === 'busy') sendToParent({ busyMs: performance.eventLoopUtilization().active });
    else if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      sendToParent({ cpuMs: (user + system) / 1000 });
    } else handler(message);
  };
  if (parentPort) parentPort.on('message', listener);
  else {
    process.on('message', listener);
    // A child whose parent went away (crash, Ctrl-C) must not linger holding a port.
    process.on('disconnect', () => process.exit(0));
  }
}
