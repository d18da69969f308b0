import { onAbort } from '../common/onAbort.js';

/** The longest delay `setTimeout` honours; longer ones fire after 1 ms instead. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * Resolves after `ms` milliseconds, or rejects with `signal.reason` as soon as the
 * signal aborts. Uses the global `setTimeout` so fake timers control it, and leaves
 * no timer or listener behind either way. `ms <= 0` resolves without a timer.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (!(ms > 0)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        unlisten?.();
        resolve();
      },
      Math.min(ms, MAX_TIMER_DELAY_MS),
    );
    const unlisten =
      signal === undefined
        ? undefined
        : onAbort(signal, () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
  });
}
