import { ConnectionError } from '../errors/ConnectionError.js';
import { isAbortError, isFetchFailure, networkErrorCode } from '../errors/classify.js';
import { instanceAuthority } from '../registry/Instance.js';
import type { Exchange } from './Exchange.js';

/** undici's codes for a request it refused to make: the caller's mistake, not "no response". */
const USAGE_CODES: ReadonlySet<unknown> = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_INVALID_RETURN_VALUE',
]);

/** Whether `code` is undici's for a request it refused to make (fetch rejects those with a TypeError of their own). */
export function isUsageCode(code: unknown): boolean {
  return USAGE_CODES.has(code);
}

/**
 * A transport's failure as a `ConnectionError` naming the service and instance when the
 * request got no response (refused, reset, unresolvable, fetch's bare `TypeError('fetch
 * failed')`). An abort (the caller's, a timeout's, a lost hedge's), a usage error and
 * anything that is not a network failure pass through unchanged. Both transports use it.
 */
export function connectionErrorOf<T>(error: unknown, exchange: Exchange<T>): unknown {
  if (exchange.abortTarget?.aborted === true || isAbortError(error)) return error;
  const code = networkErrorCode(error);
  if (code === undefined ? !isFetchFailure(error) : isUsageCode(code)) return error;
  const instance = exchange.picked;
  return new ConnectionError(instance.service, instance.id, instanceAuthority(instance), code, { cause: error });
}
