import { reportListenerError } from '../common/Event.js';
import type { AttemptContext } from './Policy.js';

/**
 * The least of an AbortSignal a transport may follow (undici's `request` accepts it):
 * aborts once, with a reason. Lets an attempt be cancellable without making a signal.
 */
export interface AbortTarget {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * An abort controller that makes its signal only when someone reads it. Constructing
 * an AbortSignal costs several microseconds on Node 20 (tens of nanoseconds on 22+),
 * and most attempts finish without anyone listening: a call whose function ignores
 * its signal then costs no signal at all.
 */
export class LazyAbort implements AbortTarget {
  private controller: AbortController | undefined;
  private abortedWith: { reason: unknown } | undefined;
  private listeners: Array<() => void> | undefined;

  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  get reason(): unknown {
    return this.abortedWith?.reason;
  }

  /** Listens without making the signal: what undici's `request` needs of one. */
  addEventListener(_type: 'abort', listener: () => void): void {
    this.listeners ??= [];
    this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.listeners;
    const at = listeners === undefined ? -1 : listeners.indexOf(listener);
    if (at !== -1) listeners?.splice(at, 1);
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortedWith !== undefined) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.abortedWith !== undefined) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners === undefined) return;
    // As an AbortSignal would: a listener that throws neither stops the others nor the
    // caller of abort() (a timeout's or a hedge's settle runs right after this).
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        reportListenerError(error);
      }
    }
  }
}

/** An attempt context whose signal is read from `source` (a `LazyAbort`, another context) only when read. */
export class LazyAttemptContext implements AttemptContext {
  constructor(
    readonly source: { readonly signal: AbortSignal },
    readonly attempt: number,
  ) {}

  get signal(): AbortSignal {
    return this.source.signal;
  }
}

/** The context of an attempt nothing can abort: its signal, made on first read, never aborts. */
class UnabortableAttemptContext implements AttemptContext {
  private made: AbortSignal | undefined;

  constructor(readonly attempt: number) {}

  get signal(): AbortSignal {
    this.made ??= new AbortController().signal;
    return this.made;
  }
}

/**
 * The context for an attempt: the caller's signal when there is one, otherwise a lazily
 * made signal that never aborts (fresh per call, so listeners a function forgets to
 * remove die with the call).
 */
export function attemptContext(signal: AbortSignal | undefined, attempt: number): AttemptContext {
  return signal === undefined ? new UnabortableAttemptContext(attempt) : { signal, attempt };
}

/**
 * The signal a nested policy should follow for `ctx`: none when nothing can abort it,
 * so no signal is built, and no listener added to it, for nothing.
 */
export function abortSource(ctx: AttemptContext): AbortSignal | undefined {
  return ctx instanceof UnabortableAttemptContext ? undefined : ctx.signal;
}

/**
 * What aborts the attempt of `ctx`, without making a signal where a `LazyAbort` is behind
 * it; undefined when nothing can abort it.
 */
export function abortTargetOf(ctx: AttemptContext): AbortTarget | undefined {
  let at: { readonly signal: AbortSignal } = ctx;
  // Bounded by the policy layers: each LazyAttemptContext wraps an outer one.
  while (at instanceof LazyAttemptContext) at = at.source;
  if (at instanceof LazyAbort) return at;
  if (at instanceof UnabortableAttemptContext) return undefined;
  return at.signal;
}
