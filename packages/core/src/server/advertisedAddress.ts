import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { AdvertisedAddress, ListenRegistration } from './ListenRegistration.js';

/** Addresses that mean "every interface": callers cannot dial them. */
const UNSPECIFIED = new Set(['0.0.0.0', '::', '::ffff:0.0.0.0']);

/** Anything with `address()` like a `net.Server`. */
export interface AddressSource {
  address(): AddressInfo | string | null;
}

/**
 * The host and port other services should dial: the configured ones, else what `server` is
 * bound to, with a wildcard bind (`0.0.0.0`, `::`) replaced by this host's first
 * non-internal IPv4 address (else its hostname). One rule for both adapters: a wildcard bind
 * is what `app.listen(port)` does, so refusing it would refuse the common case. Undefined when
 * the port is neither configured nor known (no server, or one on a pipe).
 */
export function advertisedAddress(
  registration: Pick<ListenRegistration, 'host' | 'port'>,
  server: AddressSource | undefined,
): AdvertisedAddress | undefined {
  const bound = server?.address();
  const info = typeof bound === 'object' && bound !== null ? bound : undefined;
  const port = registration.port === undefined || registration.port === 0 ? info?.port : registration.port;
  if (port === undefined) return undefined;
  if (registration.host !== undefined) return { host: registration.host, port };
  if (info !== undefined && !UNSPECIFIED.has(info.address)) return { host: info.address, port };
  return { host: firstExternalIPv4() ?? hostname(), port };
}

function firstExternalIPv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}
