import type { Context } from '@opentelemetry/api';
import type { Instance } from '../registry/Instance.js';

/** Where trace context is written: a fetch `Headers` or a plain header record. */
export type HeaderCarrier = Headers | Record<string, string>;

/** How an attempt ended. Give `statusCode` when a response arrived, `error` when it did not. */
export interface AttemptResult {
  readonly statusCode?: number | undefined;
  readonly error?: unknown;
  /** Overrides the `error.type` derived from `error` / `statusCode`. */
  readonly errorType?: string | undefined;
  /**
   * The caller gave up: not an error (no error status, no `error.type`, no duration
   * recorded). Defaults to true when `error` is an `AbortError`; a timeout's
   * `TimeoutError` is an error (`error.type` = `timeout`).
   */
  readonly aborted?: boolean | undefined;
}

/** One traced attempt: the context its transport runs in, and how to end it. */
export interface AttemptHandle {
  /** The context to run the transport in; it holds the attempt's span. */
  readonly context: Context;
  /** Writes `traceparent` (W3C) for this attempt into `carrier`; a no-op when nothing is traced. */
  inject(carrier: HeaderCarrier): void;
  /** Ends the span and records the duration; later calls do nothing. */
  end(result?: AttemptResult): void;
}

/** What the attempt-span stage knows about an attempt when it starts. */
export interface AttemptFacts {
  readonly service: string;
  readonly instance: Instance;
  /** 0 for the first attempt, n for the n-th resend. */
  readonly resendCount: number;
  /** The caller's context, taken before the first await. */
  readonly parentContext: Context;
  /** For `client.fetch`: the request line; absent for `client.call`. */
  readonly http?: { readonly method: string; readonly url: string } | undefined;
}

/**
 * The one piece of telemetry that must sit in the call path: an attempt's span has to be
 * the active context while its transport runs. Implementations must not throw; the
 * attempt-span stage still guards every call into them.
 */
export interface AttemptTracer {
  start(facts: AttemptFacts): AttemptHandle | undefined;
}
