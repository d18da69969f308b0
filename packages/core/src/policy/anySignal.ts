import type { Disposable } from '../common/Disposable.js';

/** A signal that aborts when any of its sources does, or when `abort()` is called. */
export interface LinkedSignal extends Disposable {
  readonly signal: AbortSignal;
  /** Aborts this signal only (never the sources). */
  abort(reason?: unknown): void;
}

/**
 * Links a new signal to `sources` (undefined entries are skipped). Dispose it when the
 * operation ends: that removes its listeners from the sources.
 *
 * Why not `AbortSignal.any`: it cannot be unsubscribed, and a long-lived source (a
 * shutdown signal passed to every call) keeps every derived signal reachable until it
 * aborts (nodejs/node#54614, #55351). Per-attempt signals must cost nothing once the
 * attempt is over.
 */
export function anySignal(...sources: ReadonlyArray<AbortSignal | undefined>): LinkedSignal {
  const controller = new AbortController();
  const linked: AbortSignal[] = [];
  const dispose = (): void => {
    for (const source of linked) source.removeEventListener('abort', onAbort);
    linked.length = 0;
  };
  const onAbort = (event: Event): void => {
    dispose();
    controller.abort((event.target as AbortSignal).reason);
  };
  for (const source of sources) {
    if (source === undefined) continue;
    if (source.aborted) {
      dispose();
      controller.abort(source.reason);
      break;
    }
    source.addEventListener('abort', onAbort, { once: true });
    linked.push(source);
  }
  return {
    signal: controller.signal,
    abort: (reason?: unknown) => {
      dispose();
      controller.abort(reason);
    },
    dispose,
  };
}
