/** What each attempt of a guarded call receives. */
export interface AttemptContext {
  /** Aborted when the caller gives up, a timeout fires, or a hedge wins. */
  readonly signal: AbortSignal;
  /** 0 for the first attempt, 1 for the first retry or hedge, and so on. */
  readonly attempt: number;
}

/** Facts about one call that a policy cannot know by itself. */
export interface CallOptions {
  /**
   * Whether repeating the call is safe (HTTP GET, HEAD, OPTIONS, PUT, DELETE, TRACE).
   * Retry and hedging repeat only idempotent calls; when unset, the policy's own
   * `idempotent` option decides.
   */
  readonly idempotent?: boolean;
}

/**
 * A resilience policy: small, immutable, with one `execute`. `Alt` is what the policy
 * may resolve with instead of `fn`'s result (only fallback has one; `never` otherwise).
 */
export interface Policy<out Alt = never> {
  execute<T>(fn: (ctx: AttemptContext) => Promise<T>, signal?: AbortSignal, options?: CallOptions): Promise<T | Alt>;
}
