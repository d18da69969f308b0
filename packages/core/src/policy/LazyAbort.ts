import type { AttemptContext } from './Policy.js';

/**
 * An abort controller that makes its signal only when someone reads it. Constructing
 * an AbortSignal costs several microseconds on Node 20 (tens of nanoseconds on 22+),
 * and most attempts finish without anyone listening: a call whose function ignores
 * its signal then costs no signal at all.
 */
export class LazyAbort {
  private controller: AbortController | undefined;
  private abortedWith: { reason: unknown } | undefined;

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
  }
}

/** An attempt context whose signal is read from `source` (a `LazyAbort`, another context) only when read. */
export class LazyAttemptContext implements AttemptContext {
  constructor(
    private readonly source: { readonly signal: AbortSignal },
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
