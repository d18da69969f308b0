const settled = Promise.resolve();

/**
 * A promise that rejects with `reason` one microtask from now. A promise that rejects
 * before anyone handles it makes V8 call Node's unhandled-rejection tracking, and again
 * when the caller's `await` handles it a moment later: about a microsecond, more than
 * the rest of a cheap rejection. A tick later the caller's handler is attached, so
 * neither call happens; a rejection nobody handles is still reported as unhandled.
 */
export function rejectSoon<T>(reason: unknown): Promise<T> {
  return new Promise<T>((_resolve, reject) => {
    settled.then(() => reject(reason));
  });
}
