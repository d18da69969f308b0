/** The listeners of one signal, behind the one 'abort' listener Switchyard adds to it. */
interface Fanout {
  readonly listeners: Set<() => void>;
  readonly dispatch: () => void;
}

/** Kept on the signal itself: a WeakMap entry per short-lived signal would cost the GC more. */
const FANOUT = Symbol('switchyard.abortFanout');

type FannedSignal = AbortSignal & { [FANOUT]?: Fanout | undefined };

/**
 * Calls `listener` once when `signal` aborts; the result unsubscribes. However many calls
 * share one caller signal, it gets a single 'abort' listener from Switchyard (so no
 * MaxListenersExceededWarning), removed again when the last of them unsubscribes.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  const target = signal as FannedSignal;
  let fanout = target[FANOUT];
  if (fanout === undefined) {
    const listeners = new Set<() => void>();
    const dispatch = (): void => {
      target[FANOUT] = undefined;
      for (const each of listeners) each();
    };
    fanout = { listeners, dispatch };
    target[FANOUT] = fanout;
    signal.addEventListener('abort', dispatch, { once: true });
  }
  const current = fanout;
  current.listeners.add(listener);
  return () => {
    if (!current.listeners.delete(listener) || current.listeners.size > 0) return;
    signal.removeEventListener('abort', current.dispatch);
    if (target[FANOUT] === current) target[FANOUT] = undefined;
  };
}
