/** Something that holds a resource (a listener, a watch, timers) until disposed. */
export interface Disposable {
  dispose(): void;
}

/** A disposable that runs `fn` once, however many times it is disposed. */
export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}
