import { integer, nonEmptyString } from '../../common/validate.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { createInstance } from '../Instance.js';
import { registrationOptions } from '../registrationOptions.js';
import type { HealthCheck, Registration } from '../ServiceRegistry.js';
import { goDuration } from './parseGoDuration.js';

/** The body of `PUT /v1/agent/service/register`, as Consul spells it. */
export interface AgentServiceDefinition {
  readonly ID: string;
  readonly Name: string;
  readonly Address: string;
  readonly Port: number;
  readonly Tags: readonly string[];
  readonly Meta: Readonly<Record<string, string>>;
  readonly Weights?: { readonly Passing: number; readonly Warning: number };
  readonly Check?: Readonly<Record<string, string>>;
}

/** A validated registration, ready to send (and to send again after the agent lost it). */
export interface AgentRegistration {
  readonly id: string;
  readonly service: string;
  readonly definition: AgentServiceDefinition;
  /** The check's id when it is a TTL check, which the registry then heartbeats. */
  readonly ttlCheckId: string | undefined;
  /** The TTL in ms (TTL checks only). */
  readonly ttlMs: number | undefined;
}

/** Consul's own limits on service meta (agent/structs ValidateServiceMetadata). */
export const META_KEY = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_META_PAIRS = 64;
const MAX_META_VALUE = 512;
/** Consul weights are Go ints and `Passing` must be > 0. */
const MAX_WEIGHT = 1_000_000;

/**
 * Validates a registration for Consul and builds the agent's service definition. Bad
 * input throws a ConfigError naming the option (`registration.port`,
 * `registration.check.interval`, ...). Beyond the common checks, Consul needs whole
 * weights >= 1 and meta keys of letters, digits, `-` and `_` (not starting `consul-`).
 * `weight` becomes `Weights: { Passing: weight, Warning: 1 }` (Consul would otherwise
 * store Warning 0 when only Passing is sent); `zone` is stored as `Meta[zoneMetaKey]`;
 * `health` is ignored, since Consul's checks decide it.
 */
export function toAgentRegistration(registration: Registration, zoneMetaKey: string): AgentRegistration {
  // The checks every registry makes (shape, unknown keys, the check's type and keys) first.
  const { service, input, check } = registrationOptions(registration);
  const instance = createInstance(input, service, 'registration');
  const weight = input.weight === undefined ? undefined : integer('registration.weight', input.weight, 1, MAX_WEIGHT);

  const meta: Record<string, string> = { ...instance.meta };
  if (instance.zone !== undefined) {
    const existing = meta[zoneMetaKey];
    if (existing !== undefined && existing !== instance.zone) {
      throw new ConfigError(
        `registration.meta.${zoneMetaKey}`,
        `the same value as registration.zone ("${instance.zone}"), since the zone is stored there`,
        existing,
      );
    }
    meta[zoneMetaKey] = instance.zone;
  }
  validateMeta(meta);

  const built = check === undefined ? undefined : toCheck(check, service, instance.id);
  const definition: AgentServiceDefinition = {
    ID: instance.id,
    Name: service,
    Address: instance.host,
    Port: instance.port,
    Tags: instance.tags,
    Meta: meta,
    ...(weight === undefined ? {} : { Weights: { Passing: weight, Warning: 1 } }),
    ...(built === undefined ? {} : { Check: built.check }),
  };
  return {
    id: instance.id,
    service,
    definition,
    ttlCheckId: built?.ttlMs === undefined ? undefined : built.check.CheckID,
    ttlMs: built?.ttlMs,
  };
}

function validateMeta(meta: Readonly<Record<string, string>>): void {
  const entries = Object.entries(meta);
  if (entries.length > MAX_META_PAIRS) {
    throw new ConfigError('registration.meta', `at most ${MAX_META_PAIRS} pairs (a Consul limit)`, meta);
  }
  for (const [key, value] of entries) {
    if (!META_KEY.test(key) || key.startsWith('consul-')) {
      throw new ConfigError(
        `registration.meta.${key}`,
        'a key of letters, digits, "-" and "_" (at most 128), not starting with "consul-" (Consul rules)',
        key,
      );
    }
    if (value.length > MAX_META_VALUE) {
      throw new ConfigError(`registration.meta.${key}`, `a value of at most ${MAX_META_VALUE} characters`, value);
    }
  }
}

/** `check` already has a known type and only that type's keys (registrationOptions). */
function toCheck(
  value: HealthCheck,
  service: string,
  id: string,
): { check: Readonly<Record<string, string>> & { CheckID: string }; ttlMs: number | undefined } {
  const check = value as unknown as Record<string, unknown>;
  const type = value.type;
  const out: Record<string, string> & { CheckID: string } = {
    CheckID: `service:${id}`,
    Name: `Service '${service}' ${type} check`,
  };
  let ttlMs: number | undefined;
  if (type === 'http') {
    out.HTTP = httpUrl(check.url);
    out.Interval = goDuration('registration.check.interval', check.interval).text;
  } else if (type === 'tcp') {
    out.TCP = tcpAddress(check.address);
    out.Interval = goDuration('registration.check.interval', check.interval).text;
  } else {
    const ttl = goDuration('registration.check.ttl', check.ttl);
    out.TTL = ttl.text;
    // The registry heartbeats it from now on: start passing rather than critical.
    out.Status = 'passing';
    ttlMs = ttl.ms;
  }
  if (check.timeout !== undefined) out.Timeout = goDuration('registration.check.timeout', check.timeout).text;
  if (check.deregisterCriticalServiceAfter !== undefined) {
    out.DeregisterCriticalServiceAfter = goDuration(
      'registration.check.deregisterCriticalServiceAfter',
      check.deregisterCriticalServiceAfter,
    ).text;
  }
  return { check: out, ttlMs };
}

function httpUrl(value: unknown): string {
  const text = nonEmptyString('registration.check.url', value);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError('registration.check.url', 'an absolute http:// or https:// URL', value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('registration.check.url', 'an absolute http:// or https:// URL', value);
  }
  return text;
}

function tcpAddress(value: unknown): string {
  const text = nonEmptyString('registration.check.address', value);
  const match = /^(\[[^\]]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(text);
  const port = match === null ? 0 : Number(match[2]);
  if (port < 1 || port > 65535) {
    throw new ConfigError('registration.check.address', 'a "host:port" address (IPv6 in brackets)', value);
  }
  return text;
}
