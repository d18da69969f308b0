import type { HealthCheck, Registration } from '../registry/ServiceRegistry.js';

/** Where this server is reachable, once known. */
export interface AdvertisedAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * A registration whose address may come from the server it is attached to: `host` and
 * `port` are optional, and `check` may be built from the address advertised.
 */
export type ListenRegistration = Omit<Registration, 'host' | 'port' | 'check'> & {
  /**
   * The host to advertise. Default: the address the server is bound to or, for a wildcard
   * bind (`0.0.0.0`, `::`), the host's first non-internal IPv4 address (else its hostname).
   */
  host?: string;
  /** The port to advertise (e.g. a mapped container port). Default (or 0): the port the server listens on. */
  port?: number;
  /** Health check for registries that run one (Consul); a function gets the advertised address. */
  check?: HealthCheck | ((address: AdvertisedAddress) => HealthCheck);
};

/** The step of the lifecycle a failure happened in. */
export type LifecyclePhase = 'register' | 'deregister' | 'shutdown-hook' | 'close';
