import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { SwitchyardAddress, SwitchyardRegistrationOptions } from './switchyard.interfaces.js';

/** Addresses that mean "every interface": callers cannot dial them. */
const UNSPECIFIED = new Set(['0.0.0.0', '::', '::ffff:0.0.0.0']);

/**
 * The host and port other services should dial: the configured ones, else what the HTTP
 * server is bound to, with a wildcard bind replaced by this machine's first non-internal
 * IPv4 address (else its hostname). Undefined when the port cannot be known (no server,
 * or one listening on a pipe) and was not configured.
 */
export function advertisedAddress(
  registration: Pick<SwitchyardRegistrationOptions, 'host' | 'port'>,
  server: { address(): AddressInfo | string | null } | undefined,
): SwitchyardAddress | undefined {
  const bound = server?.address();
  const info = typeof bound === 'object' && bound !== null ? bound : undefined;
  const port = registration.port ?? info?.port;
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
