import { brandedInstanceOf, hasErrorCode, SwitchyardError } from './SwitchyardError.js';

/**
 * An HTTP attempt got no response: the connection was refused, reset or timed out, a
 * name did not resolve, TLS failed. `client.fetch` rejects with it where `fetch` would
 * reject with `TypeError('fetch failed')`; the platform's error is its `cause`, and
 * `networkCode` names the system or undici code (`ECONNREFUSED`, `UND_ERR_SOCKET`). The
 * message names the service and the instance's address only: never the URL, whose path
 * and query may carry secrets.
 */
export class ConnectionError extends SwitchyardError {
  readonly service: string;
  readonly instanceId: string;
  /** `host:port` of the instance. */
  readonly address: string;
  readonly networkCode: string | undefined;

  constructor(
    service: string,
    instanceId: string,
    address: string,
    networkCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      'SWITCHYARD_CONNECTION',
      `No response from "${service}" instance "${instanceId}" at ${address}: ${networkCode ?? 'connection failed'}`,
      options,
    );
    this.service = service;
    this.instanceId = instanceId;
    this.address = address;
    this.networkCode = networkCode;
  }

  /** By brand and code, so an error from another copy of the package matches too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asked about, a subclass's too
    return brandedInstanceOf(this, ConnectionError, 'SWITCHYARD_CONNECTION', value);
  }
}

/** Same as `value instanceof ConnectionError`. */
export function isConnectionError(value: unknown): value is ConnectionError {
  return hasErrorCode(value, 'SWITCHYARD_CONNECTION');
}
