import { isHttpStatusError } from '../errors/HttpStatusError.js';
import { isSwitchyardError } from '../errors/SwitchyardError.js';
import { ERROR_TYPE_OTHER, ERROR_TYPE_TIMEOUT } from './names.js';

const CODE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_DEPTH = 4;

/**
 * A low-cardinality `error.type` for an error, as the semantic conventions ask:
 * `timeout` for deadlines, the HTTP status for status errors, a Switchyard code, a
 * system/undici code (`ECONNREFUSED`, `UND_ERR_SOCKET`), an error class name, or
 * `_OTHER`. Wrappers without a type of their own (fetch's `TypeError: fetch failed`,
 * plain `Error`s) are unwrapped through `cause`.
 */
export function errorTypeOf(error: unknown): string {
  let current = error;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (typeof current !== 'object' || current === null) break;
    const e = current as { name?: unknown; code?: unknown; cause?: unknown; status?: unknown; statusCode?: unknown };
    if (e.name === 'TimeoutError') return ERROR_TYPE_TIMEOUT;
    if (isSwitchyardError(current)) {
      if (current.code === 'SWITCHYARD_TIMEOUT') return ERROR_TYPE_TIMEOUT;
      if (current.code === 'SWITCHYARD_HTTP_STATUS') {
        const status = typeof e.status === 'number' ? e.status : e.statusCode;
        if (typeof status === 'number') return String(status);
      }
      return current.code;
    }
    if (typeof e.code === 'string' && CODE_PATTERN.test(e.code)) return e.code;
    const wrapper = e.name === 'Error' || (e.name === 'TypeError' && e.cause !== undefined);
    if (wrapper && e.cause !== undefined) {
      current = e.cause;
      continue;
    }
    if (typeof e.name === 'string' && e.name !== 'Error' && CODE_PATTERN.test(e.name)) return e.name;
    break;
  }
  return ERROR_TYPE_OTHER;
}

/**
 * `error.type` of a server response with a 5xx `status`: the error the request failed with
 * (`SWITCHYARD_BROKEN_CIRCUIT`, `timeout`, `ECONNREFUSED`, ...) when it says more than the
 * status does, else the status code.
 */
export function httpServerErrorType(status: number, error: unknown): string {
  if (error === undefined || isHttpStatusError(error)) return String(status);
  const type = errorTypeOf(error);
  return type === ERROR_TYPE_OTHER ? String(status) : type;
}
