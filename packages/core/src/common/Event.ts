import { describeError } from '../errors/safeRead.js';
import type { Disposable } from './Disposable.js';

/** Subscribe to a typed event; dispose the result to unsubscribe. */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/**
 * Holds the listeners of one event. A listener that throws is isolated: the error
 * is handed to `onListenerError` and the other listeners still run.
 */
export class EventEmitter<T> {
  private listeners: Array<(value: T) => void> = [];

  constructor(private readonly onListenerError: (error: unknown) => void = reportListenerError) {}

  /** The public, subscribe-only face of this emitter. */
  readonly event: Event<T> = (listener) => {
    this.listeners = [...this.listeners, listener];
    let active = true;
    return {
      dispose: () => {
        if (!active) return;
        active = false;
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  };

  get size(): number {
    return this.listeners.length;
  }

  emit(value: T): void {
    // Copy-on-write list: iterating the current array is safe while listeners unsubscribe.
    const current = this.listeners;
    for (let i = 0; i < current.length; i++) {
      try {
        (current[i] as (value: T) => void)(value);
      } catch (error) {
        try {
          this.onListenerError(error);
        } catch (handlerError) {
          // The error handler failed too: warn, and go on with the other listeners.
          reportListenerError(handlerError);
        }
      }
    }
  }

  clear(): void {
    this.listeners = [];
  }
}

/** Reports a listener's error as a process warning, later: the emitter and its other listeners go on. */
export function reportListenerError(error: unknown, what = 'event listener'): void {
  // A subscriber's bug must not break the emitter or crash the process (so the error is read safely, now).
  const text = describeError(error);
  queueMicrotask(() => {
    process.emitWarning(`Switchyard ${what} threw: ${text}`);
  });
}
