import type Consul from 'consul';
import { type Clock, defaultRandom, type RandomSource, systemClock } from '../../common/Clock.js';
import {
  booleanOption,
  finiteNumber,
  fn,
  integer,
  knownKeys,
  nonEmptyString,
  plainObject,
  stringArray,
  stringRecord,
} from '../../common/validate.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { MAX_TIMER_DELAY_MS } from '../../policy/sleep.js';
import { HOST_ALLOWED, isHostName } from '../hostName.js';
import type { ConsulClientLike } from './ConsulApi.js';
import type { ServerFilter } from './filterExpression.js';
import { goDuration } from './parseGoDuration.js';
import { META_KEY } from './toAgentRegistration.js';

/** How fast a blocking-query loop may go round when its answer keeps changing. */
export interface ConsulRateLimit {
  /** One query per this many ms once the burst is spent. Default 50. */
  readonly intervalMs?: number;
  /** Queries allowed back to back before the limit applies. Default 2 (Consul's docs suggest a token bucket with burst 2). */
  readonly burst?: number;
}

export interface ConsulRegistryOptions {
  /** Agent host. Default `127.0.0.1` (the local agent). */
  readonly host?: string;
  /** Agent HTTP(S) port. Default 8500. */
  readonly port?: number;
  /** HTTPS instead of HTTP. Default false. For custom CAs or client certificates pass a configured `consul` client. */
  readonly secure?: boolean;
  /** ACL token, sent as the `X-Consul-Token` header on every request and never logged. */
  readonly token?: string;
  /** Datacenter whose instances `resolve`/`watch` return (`dc`). Default: the agent's own. Registration is always with the local agent. */
  readonly datacenter?: string;
  /** Longest wait of one blocking query: a Go duration (`'30s'`) or ms, at most 10 minutes. Default `'30s'`. */
  readonly wait?: string | number;
  /** Timeout of every non-blocking request, and the margin over `wait × 17/16` for blocking ones. Default 10000. */
  readonly requestTimeoutMs?: number;
  /** First backoff after a failed query or heartbeat, in ms (equal jitter: between half and all of it). Default 250. */
  readonly minRetryMs?: number;
  /** Backoff ceiling in ms; the backoff doubles per consecutive failure up to it. Default 10000. */
  readonly maxRetryMs?: number;
  /** Rate limit of each service's query loop, or `false`. Default `{ intervalMs: 50, burst: 2 }`. */
  readonly rateLimit?: ConsulRateLimit | false;
  /**
   * Ms between anti-entropy checks, while this registry has registered services: one look
   * at the local agent's services and checks that registers again those it lost (a
   * restarted agent) and remembers each check's status, which a re-registration then
   * starts from. `false` for none (TTL heartbeats still notice a lost check). Default 1000.
   */
  readonly syncIntervalMs?: number | false;
  /**
   * After the agent restarted (its NodeID changed, or the index went backwards when the
   * NodeID cannot be read), how long watchers keep the instances it no longer lists, marked
   * stale, while their processes register them again. The held ones go as soon as every one
   * is back; the others are served meanwhile. 0 to trust a restarted agent's answer at once.
   * Default 30000: long enough for processes that re-sync less often than this registry's
   * 1 s (another client, or an older Switchyard at 30 s) to register again.
   */
  readonly restartGraceMs?: number;
  /**
   * Per service, tags and meta that Consul applies before answering (`filter`), so
   * excluded instances never reach this process. Watchers' own filters still apply on top.
   */
  readonly serverFilters?: Readonly<Record<string, ServerFilter>>;
  /** Service meta key that holds an instance's zone. Default `'zone'`. */
  readonly zoneMetaKey?: string;
  /** The registry's name in telemetry and errors. Default `'consul'`. */
  readonly name?: string;
  /** Monotonic clock (ms) for rate limiting and update latency. Default `systemClock`. */
  readonly clock?: Clock;
  /** Wall clock (ms since the epoch) for snapshots' `updatedAt`. Default `Date.now`. */
  readonly wallClock?: Clock;
  /** Jitter source in [0, 1). Default `Math.random`. */
  readonly random?: RandomSource;
  /** An existing `consul` (v2) client to use instead of creating one; then `host`, `port` and `secure` are not allowed. Not destroyed by `close()`. */
  readonly consul?: Consul;
  /** Receives errors thrown by watch listeners. Default: a process warning. */
  readonly onListenerError?: (error: unknown) => void;
}

/** Options with defaults filled in and everything validated. */
export interface ResolvedConsulOptions {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly token: string | undefined;
  readonly datacenter: string | undefined;
  readonly waitMs: number;
  readonly requestTimeoutMs: number;
  readonly minRetryMs: number;
  readonly maxRetryMs: number;
  readonly rateLimit: Required<ConsulRateLimit> | false;
  readonly syncIntervalMs: number | false;
  readonly restartGraceMs: number;
  readonly serverFilters: ReadonlyMap<string, ServerFilter>;
  readonly zoneMetaKey: string;
  readonly name: string;
  readonly clock: Clock;
  readonly wallClock: Clock;
  readonly random: RandomSource;
  readonly consul: ConsulClientLike | undefined;
  readonly onListenerError: ((error: unknown) => void) | undefined;
}

/** The options the registry's parts share: without the token and the client, which only the API layer holds. */
export type PublicOptions = Omit<ResolvedConsulOptions, 'token' | 'consul'>;

export const CONSUL_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 8500,
  wait: '30s',
  waitMs: 30_000,
  requestTimeoutMs: 10_000,
  minRetryMs: 250,
  maxRetryMs: 10_000,
  rateLimit: Object.freeze({ intervalMs: 50, burst: 2 }),
  syncIntervalMs: 1_000,
  restartGraceMs: 30_000,
  zoneMetaKey: 'zone',
  name: 'consul',
});

const OPTION_KEYS: Readonly<Record<keyof ConsulRegistryOptions, true>> = {
  host: true,
  port: true,
  secure: true,
  token: true,
  datacenter: true,
  wait: true,
  requestTimeoutMs: true,
  minRetryMs: true,
  maxRetryMs: true,
  rateLimit: true,
  syncIntervalMs: true,
  restartGraceMs: true,
  serverFilters: true,
  zoneMetaKey: true,
  name: true,
  clock: true,
  wallClock: true,
  random: true,
  consul: true,
  onListenerError: true,
};

const MAX_WAIT_MS = 600_000;
/** A request timer adds the blocking wait to this, so it is kept well below the timer limit. */
const MAX_REQUEST_TIMEOUT_MS = 86_400_000;
/** A restarted agent's answer is trusted after at most 10 minutes. */
const MAX_GRACE_MS = 600_000;

/** Validates `options`; every problem is a ConfigError naming the option. */
export function resolveConsulOptions(options: ConsulRegistryOptions): ResolvedConsulOptions {
  const o = plainObject('options', options);
  knownKeys('', o, Object.keys(OPTION_KEYS));
  const consul = o.consul === undefined ? undefined : consulClient(o.consul);
  if (consul !== undefined) {
    for (const key of ['host', 'port', 'secure'] as const) {
      if (o[key] !== undefined) {
        throw new ConfigError(key, 'nothing when a `consul` client is given (the client has its own address)', o[key]);
      }
    }
  }
  const minRetryMs =
    o.minRetryMs === undefined
      ? CONSUL_DEFAULTS.minRetryMs
      : finiteNumber('minRetryMs', o.minRetryMs, 1, MAX_TIMER_DELAY_MS);
  const maxRetryMs =
    o.maxRetryMs === undefined
      ? Math.max(CONSUL_DEFAULTS.maxRetryMs, minRetryMs)
      : finiteNumber('maxRetryMs', o.maxRetryMs, minRetryMs, MAX_TIMER_DELAY_MS);
  return {
    host: o.host === undefined ? CONSUL_DEFAULTS.host : agentHost(o.host),
    port: o.port === undefined ? CONSUL_DEFAULTS.port : integer('port', o.port, 1, 65535),
    secure: o.secure === undefined ? false : booleanOption('secure', o.secure),
    token: o.token === undefined ? undefined : token(o.token),
    datacenter: o.datacenter === undefined ? undefined : nonEmptyString('datacenter', o.datacenter),
    waitMs: o.wait === undefined ? CONSUL_DEFAULTS.waitMs : waitMs(o.wait),
    requestTimeoutMs:
      o.requestTimeoutMs === undefined
        ? CONSUL_DEFAULTS.requestTimeoutMs
        : finiteNumber('requestTimeoutMs', o.requestTimeoutMs, 1, MAX_REQUEST_TIMEOUT_MS),
    minRetryMs,
    maxRetryMs,
    rateLimit: rateLimit(o.rateLimit),
    syncIntervalMs:
      o.syncIntervalMs === undefined
        ? CONSUL_DEFAULTS.syncIntervalMs
        : o.syncIntervalMs === false
          ? false
          : finiteNumber('syncIntervalMs', o.syncIntervalMs, 1, MAX_TIMER_DELAY_MS),
    restartGraceMs:
      o.restartGraceMs === undefined
        ? CONSUL_DEFAULTS.restartGraceMs
        : finiteNumber('restartGraceMs', o.restartGraceMs, 0, MAX_GRACE_MS),
    serverFilters: serverFilters(o.serverFilters),
    zoneMetaKey: o.zoneMetaKey === undefined ? CONSUL_DEFAULTS.zoneMetaKey : metaKey('zoneMetaKey', o.zoneMetaKey),
    name: o.name === undefined ? CONSUL_DEFAULTS.name : nonEmptyString('name', o.name),
    clock: o.clock === undefined ? systemClock : clock('clock', o.clock),
    wallClock: o.wallClock === undefined ? { now: Date.now } : clock('wallClock', o.wallClock),
    random: o.random === undefined ? defaultRandom : functionOption<RandomSource>('random', o.random),
    consul,
    onListenerError:
      o.onListenerError === undefined
        ? undefined
        : functionOption<(error: unknown) => void>('onListenerError', o.onListenerError),
  };
}

function token(value: unknown): string {
  // Never echo a token back, not even a malformed one.
  if (typeof value !== 'string' || value.length === 0 || /[\r\n]/.test(value)) {
    throw new ConfigError('token', 'a non-empty string without line breaks', '[redacted]');
  }
  return value;
}

function waitMs(value: unknown): number {
  if (typeof value === 'number') return finiteNumber('wait', value, 1, MAX_WAIT_MS);
  return goDuration('wait', value, MAX_WAIT_MS).ms;
}

function rateLimit(value: unknown): Required<ConsulRateLimit> | false {
  if (value === undefined) return CONSUL_DEFAULTS.rateLimit;
  if (value === false) return false;
  const r = plainObject('rateLimit', value);
  knownKeys('rateLimit.', r, ['intervalMs', 'burst']);
  return {
    intervalMs:
      r.intervalMs === undefined
        ? CONSUL_DEFAULTS.rateLimit.intervalMs
        : finiteNumber('rateLimit.intervalMs', r.intervalMs, 0, MAX_TIMER_DELAY_MS),
    burst: r.burst === undefined ? CONSUL_DEFAULTS.rateLimit.burst : integer('rateLimit.burst', r.burst, 1),
  };
}

function serverFilters(value: unknown): ReadonlyMap<string, ServerFilter> {
  const result = new Map<string, ServerFilter>();
  if (value === undefined) return result;
  for (const [service, raw] of Object.entries(plainObject('serverFilters', value))) {
    const at = `serverFilters.${service}`;
    const filter = plainObject(at, raw);
    knownKeys(`${at}.`, filter, ['tags', 'meta']);
    const tags = filter.tags === undefined ? undefined : Object.freeze([...stringArray(`${at}.tags`, filter.tags)]);
    const meta = filter.meta === undefined ? undefined : stringRecord(`${at}.meta`, filter.meta);
    for (const key of Object.keys(meta ?? {})) metaKey(`${at}.meta.${key}`, key);
    result.set(
      service,
      Object.freeze({
        ...(tags === undefined ? {} : { tags }),
        ...(meta === undefined ? {} : { meta: Object.freeze({ ...meta }) }),
      }),
    );
  }
  return result;
}

function metaKey(option: string, value: unknown): string {
  if (typeof value !== 'string' || !META_KEY.test(value)) {
    throw new ConfigError(option, 'a Consul meta key: letters, digits, "-" and "_", at most 128', value);
  }
  return value;
}

function functionOption<F>(option: string, value: unknown): F {
  fn(option, value);
  return value as F;
}

function clock(option: string, value: unknown): Clock {
  fn(`${option}.now`, plainObject(option, value).now);
  return value as Clock;
}

function consulClient(value: unknown): ConsulClientLike {
  const c = value as Partial<ConsulClientLike> | null;
  const ok =
    typeof c === 'object' &&
    c !== null &&
    typeof c.health?.service === 'function' &&
    typeof c.agent?.service?.deregister === 'function' &&
    typeof c.agent.service.list === 'function' &&
    typeof c.agent.check?.pass === 'function' &&
    typeof c._put === 'function';
  if (!ok)
    throw new ConfigError('consul', 'a client created with `new Consul()` from the `consul` package (v2)', value);
  return value as ConsulClientLike;
}

/** The agent's host goes into a URL as is: the same rule as an instance's host. */
function agentHost(value: unknown): string {
  if (typeof value !== 'string' || !isHostName(value)) throw new ConfigError('host', HOST_ALLOWED, value);
  return value;
}
