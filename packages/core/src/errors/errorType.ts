import { ERROR_TYPE_OTHER, ERROR_TYPE_TIMEOUT } from '../telemetry/names.js';
import { findInCauseChain } from './causeChain.js';
import { networkErrorCode } from './classify.js';
import { HttpStatusError } from './HttpStatusError.js';
import { switchyardCodeOf } from './SwitchyardError.js';
import { readProperty } from './safeRead.js';

const CODE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A low-cardinality `error.type` for an error, as the semantic conventions ask:
 * `timeout` for deadlines, the HTTP status for status errors, a Switchyard code, a
 * system/undici code (`ECONNREFUSED`, `UND_ERR_SOCKET`), an error class name, or
 * `_OTHER`. Wrappers without a type of their own (fetch's `TypeError: fetch failed`,
 * plain `Error`s) are unwrapped through `cause`.
 */
export function errorTypeOf(error: unknown): string {
  return findInCauseChain(error, typeOfLink) ?? ERROR_TYPE_OTHER;
}

/** The type one link of the chain names, or undefined to look at its cause instead. */
function typeOfLink(link: object): string | undefined {
  const name = readProperty(link, 'name');
  if (name === 'TimeoutError') return ERROR_TYPE_TIMEOUT;
  const switchyardCode = switchyardCodeOf(link);
  if (switchyardCode !== undefined) {
    if (switchyardCode === 'SWITCHYARD_TIMEOUT') return ERROR_TYPE_TIMEOUT;
    // The network code says more than "no response": ECONNREFUSED, UND_ERR_SOCKET.
    if (switchyardCode === 'SWITCHYARD_CONNECTION') return networkErrorCode(link) ?? switchyardCode;
    if (switchyardCode === 'SWITCHYARD_HTTP_STATUS') {
      const status = readProperty(link, 'status');
      const statusCode = typeof status === 'number' ? status : readProperty(link, 'statusCode');
      if (typeof statusCode === 'number') return String(statusCode);
    }
    return switchyardCode;
  }
  const code = readProperty(link, 'code');
  if (typeof code === 'string' && CODE_PATTERN.test(code)) return code;
  const hasCause = readProperty(link, 'cause') !== undefined;
  if (hasCause && (name === 'Error' || name === 'TypeError')) return undefined;
  if (typeof name === 'string' && name !== 'Error' && CODE_PATTERN.test(name)) return name;
  return ERROR_TYPE_OTHER;
}

/**
 * `error.type` of a server response with a 5xx `status`: the error the request failed with
 * (`SWITCHYARD_BROKEN_CIRCUIT`, `timeout`, `ECONNREFUSED`, ...) when it says more than the
 * status does, else the status code.
 */
export function httpServerErrorType(status: number, error: unknown): string {
  if (error === undefined || error instanceof HttpStatusError) return String(status);
  const type = errorTypeOf(error);
  return type === ERROR_TYPE_OTHER ? String(status) : type;
}
