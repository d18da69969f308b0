import { networkErrorCode } from '../errors/classify.js';

/** How a failure that is not a Switchyard error can still be an upstream's. */
export type UpstreamFailureKind = 'transport' | 'timeout';

/**
 * Errors from calling another service that are not Switchyard errors, recognised by shape
 * so both adapters map them without wrapping (user code still sees the original error):
 * fetch's `TypeError` ('fetch failed', a refused or reset connection, with a network code
 * on its `cause`) is `transport`; a `TimeoutError` DOMException (`AbortSignal.timeout()`
 * passed to a call) is `timeout`. Anything else is undefined: the framework's to answer.
 */
export function upstreamFailureOf(error: unknown): UpstreamFailureKind | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, message } = error as { name?: unknown; message?: unknown };
  if (name === 'TimeoutError' && error instanceof DOMException) return 'timeout';
  if (name !== 'TypeError') return undefined;
  return message === 'fetch failed' || networkErrorCode(error) !== undefined ? 'transport' : undefined;
}
