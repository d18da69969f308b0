import type { Readable } from 'node:stream';

/** A response body as undici's `request` hands it: a Node stream with one-shot readers. */
export interface ResponseBody extends Readable {
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
  /** Reads and drops the rest of the body, so the connection can be reused. */
  dump(options?: { limit: number }): Promise<void>;
}

/**
 * What `client.request` resolves with: smaller than a fetch `Response` (no Headers
 * object, no web stream). Read or `dump()` the body, or the connection stays busy.
 */
export interface ServiceResponse {
  readonly status: number;
  /** Lower-cased names; a header sent more than once is an array. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: ResponseBody;
  /** The request's URL on the picked instance (the secret parts redacted wherever Switchyard reports it). */
  readonly url: string;
}
