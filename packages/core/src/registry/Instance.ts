import { finiteNumber, integer, nonEmptyString, oneOf, stringArray, stringRecord } from '../common/validate.js';
import { ConfigError } from '../errors/ConfigError.js';
import { HOST_ALLOWED, isHostName } from './hostName.js';

/** Health as Consul reports it: `warning` instances still take traffic, `critical` ones do not. */
export type Health = 'passing' | 'warning' | 'critical';

export const HEALTH_VALUES: readonly Health[] = ['passing', 'warning', 'critical'];

/** One reachable copy of a service. Instances are immutable; a change is a new object. */
export interface Instance {
  /** Unique within the service. */
  readonly id: string;
  readonly service: string;
  readonly host: string;
  readonly port: number;
  /** Relative share of traffic for weighted balancers; 0 means "send nothing unless nothing else is left". */
  readonly weight: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly zone?: string;
  readonly health: Health;
}

/** What a caller supplies to describe an instance; defaults fill the rest. */
export interface InstanceInput {
  id?: string;
  service?: string;
  host: string;
  port: number;
  weight?: number;
  tags?: readonly string[];
  meta?: Readonly<Record<string, string>>;
  zone?: string;
  health?: Health;
}

/** Every key of `InstanceInput`, to refuse unknown ones; typed so a new field there fails to compile here. */
export const INSTANCE_INPUT_KEYS: Readonly<Record<keyof InstanceInput, true>> = {
  id: true,
  service: true,
  host: true,
  port: true,
  weight: true,
  tags: true,
  meta: true,
  zone: true,
  health: true,
};

export const DEFAULT_WEIGHT = 1;

/** Values `meta.scheme` may take; without it the client's `scheme` option applies. */
export const SCHEMES = ['http', 'https'] as const;

/**
 * Validates an instance description and returns a frozen `Instance`.
 * `option` prefixes error messages (e.g. `services.cart[2]`).
 */
export function createInstance(input: InstanceInput, service: string, option = 'instance'): Instance {
  if (typeof input !== 'object' || input === null) throw new ConfigError(option, 'an object', input);
  const svc = nonEmptyString(`${option}.service`, input.service ?? service);
  if (svc !== service) throw new ConfigError(`${option}.service`, `"${service}" or omitted`, input.service);
  const host = input.host;
  if (typeof host !== 'string' || !isHostName(host)) throw new ConfigError(`${option}.host`, HOST_ALLOWED, host);
  const port = integer(`${option}.port`, input.port, 1, 65535);
  const weight = input.weight === undefined ? DEFAULT_WEIGHT : finiteNumber(`${option}.weight`, input.weight, 0);
  const tags = input.tags === undefined ? [] : stringArray(`${option}.tags`, input.tags);
  const meta = input.meta === undefined ? {} : stringRecord(`${option}.meta`, input.meta);
  // The client puts `meta.scheme` in the URL: anything but http(s) would be sent elsewhere or fail late.
  if (meta.scheme !== undefined) oneOf(`${option}.meta.scheme`, meta.scheme, SCHEMES);
  const health = input.health === undefined ? 'passing' : oneOf(`${option}.health`, input.health, HEALTH_VALUES);
  const id = input.id === undefined ? `${svc}-${host}:${port}` : nonEmptyString(`${option}.id`, input.id);
  const zone = input.zone === undefined ? undefined : nonEmptyString(`${option}.zone`, input.zone);
  const instance: Instance = {
    id,
    service: svc,
    host,
    port,
    weight,
    tags: Object.freeze([...tags]),
    meta: Object.freeze({ ...meta }),
    health,
    ...(zone === undefined ? {} : { zone }),
  };
  return Object.freeze(instance);
}

/** `host:port`, bracketing IPv6 literals. */
export function instanceAuthority(instance: Pick<Instance, 'host' | 'port'>): string {
  return instance.host.includes(':') ? `[${instance.host}]:${instance.port}` : `${instance.host}:${instance.port}`;
}
