/** What each attempt of a guarded call receives. */
export interface AttemptContext {
  /** Aborted when the caller gives up, a timeout fires, or a hedge wins. */
  readonly signal: AbortSignal;
  /** 0 for the first attempt, 1 for the first retry or hedge, and so on. */
  readonly attempt: number;
}

/** A resilience policy: small, immutable, with one `execute`. */
export interface Policy {
  execute<T>(fn: (ctx: AttemptContext) => Promise<T>, signal?: AbortSignal): Promise<T>;
}
