// Child processes for the suites that need a server (or a profiled caller) outside the
// bench process: fork a bench/workers script, wait for its first message, ask it
// questions over IPC, and stop it by its handle.

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ForkOptions {
  readonly args?: readonly string[];
  /** Node flags for the child. Default none: not the bench's own --import tsx, the workers are plain JS. */
  readonly execArgv?: readonly string[];
  /** How long to wait for the first message. */
  readonly timeoutMs?: number;
}

/** Forks `bench/workers/<script>` and resolves with the child and its first IPC message. */
export async function forkWorker<M>(
  script: string,
  options: ForkOptions = {},
): Promise<{ child: ChildProcess; first: M }> {
  const path = fileURLToPath(new URL(`../workers/${script}`, import.meta.url));
  const child = fork(path, [...(options.args ?? [])], {
    execArgv: [...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const first = await nextMessage<M>(child, options.timeoutMs ?? 15_000);
    return { child, first };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/** The child's next IPC message; rejects if it exits or `timeoutMs` passes first. */
export function nextMessage<M>(child: ChildProcess, timeoutMs = 15_000): Promise<M> {
  return new Promise<M>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const onMessage = (message: unknown) => {
      cleanup();
      resolve(message as M);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(new Error(`child ${child.pid} exited (${signal ?? code}) before answering`));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`child ${child.pid} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** This child's user + system CPU so far, in ms (answered by bench/workers/ipc.mjs). */
export async function cpuMs(child: ChildProcess): Promise<number> {
  const answer = nextMessage<{ cpuMs: number }>(child);
  child.send('cpu');
  return (await answer).cpuMs;
}

/** Resolves once the child has exited: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  if ((await Promise.race([exited, late])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}
