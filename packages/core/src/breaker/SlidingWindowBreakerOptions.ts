import { type Clock, systemClock } from '../common/Clock.js';
import { finiteNumber, fn, integer, knownKeys, oneOf, plainObject } from '../common/validate.js';
import { ConfigError } from '../errors/ConfigError.js';
import { type ErrorFilter, errorFilterOption, handleAll } from '../errors/ErrorFilter.js';

/** How an error counts: towards the failure rate, as a success, or not at all (internal bookkeeping). */
export type ErrorClass = 'failure' | 'success' | 'ignore';

/** Multiplies the open-state wait on each consecutive re-open, up to `maxMs`. */
export interface OpenStateBackoff {
  /** >= 1; the wait after the k-th consecutive re-open is `waitDurationInOpenState * multiplier^k`. */
  readonly multiplier: number;
  /** Upper bound of the wait, >= `waitDurationInOpenState`. */
  readonly maxMs: number;
}

/** Options of `SlidingWindowBreaker`; names and meaning follow resilience4j. */
export interface SlidingWindowBreakerOptions {
  /** Count the last N calls, or the calls of the last N seconds. Default `'count'`. */
  readonly slidingWindowType?: 'count' | 'time';
  /** N: calls for a count window (default 100), seconds for a time window (default 60). */
  readonly slidingWindowSize?: number;
  /** Calls the window must hold before a rate is computed. Default 20 (capped at a count window's size). */
  readonly minimumNumberOfCalls?: number;
  /** Percent in (0, 100]; the circuit opens when the failure rate is at or above it. Default 50. */
  readonly failureRateThreshold?: number;
  /**
   * Calls longer than this many ms are slow. Default `Infinity`: slow-call tracking off.
   * (resilience4j's 60000 with a 100% rate never fires behind a per-attempt timeout shorter
   * than a minute, and timing every call costs two clock reads.)
   */
  readonly slowCallDurationThreshold?: number;
  /** Percent in (0, 100]; the circuit opens when the slow-call rate is at or above it. Default 100. */
  readonly slowCallRateThreshold?: number;
  /** Probes admitted in half-open; the decision is made when all have finished. Default 5. */
  readonly permittedNumberOfCallsInHalfOpenState?: number;
  /** Ms the circuit stays open before admitting probes. Default 30000. */
  readonly waitDurationInOpenState?: number;
  /** Grow the open wait on consecutive re-opens (half-open probes failing again). Default: constant wait. */
  readonly openStateBackoff?: OpenStateBackoff;
  /** Ms half-open may last before it gives up and re-opens; 0 waits for every probe. Default 0. */
  readonly maxWaitDurationInHalfOpenState?: number;
  /**
   * Which errors count as failures (resilience4j's `recordExceptions`); any other error
   * counts as a success (a 404 from a healthy server, say). Default `handleAll`. A
   * predicate that throws counts the error as a failure.
   */
  readonly handle?: ErrorFilter;
  /**
   * Errors not counted at all (resilience4j's `ignoreExceptions`), checked before
   * `handle`: a half-open probe that ends so gives its permit back. Default: none. Errors
   * raised after the caller's signal aborted are always ignored and reach neither filter.
   */
  readonly ignore?: ErrorFilter;
  /** Time source (ms); inject a fake one in tests. Default `systemClock`. */
  readonly clock?: Clock;
}

/** Validated options with every default filled in. */
export interface ResolvedBreakerOptions {
  readonly slidingWindowType: 'count' | 'time';
  readonly slidingWindowSize: number;
  readonly minimumNumberOfCalls: number;
  readonly failureRateThreshold: number;
  readonly slowCallDurationThreshold: number;
  readonly slowCallRateThreshold: number;
  readonly permittedNumberOfCallsInHalfOpenState: number;
  readonly waitDurationInOpenState: number;
  readonly backoffMultiplier: number;
  readonly backoffMaxMs: number;
  readonly maxWaitDurationInHalfOpenState: number;
  readonly handle: ErrorFilter;
  readonly ignore: ErrorFilter | undefined;
  readonly clock: Clock;
}

export const BREAKER_DEFAULTS = {
  slidingWindowType: 'count',
  countWindowSize: 100,
  timeWindowSeconds: 60,
  minimumNumberOfCalls: 20,
  failureRateThreshold: 50,
  slowCallDurationThreshold: Number.POSITIVE_INFINITY,
  slowCallRateThreshold: 100,
  permittedNumberOfCallsInHalfOpenState: 5,
  waitDurationInOpenState: 30_000,
  maxWaitDurationInHalfOpenState: 0,
} as const;

/** Bounds that keep the preallocated windows small. */
const MAX_COUNT_WINDOW = 1_000_000;
const MAX_TIME_WINDOW_SECONDS = 3_600;

const KNOWN: readonly (keyof SlidingWindowBreakerOptions)[] = [
  'slidingWindowType',
  'slidingWindowSize',
  'minimumNumberOfCalls',
  'failureRateThreshold',
  'slowCallDurationThreshold',
  'slowCallRateThreshold',
  'permittedNumberOfCallsInHalfOpenState',
  'waitDurationInOpenState',
  'openStateBackoff',
  'maxWaitDurationInHalfOpenState',
  'handle',
  'ignore',
  'clock',
];

/** Validates options, throwing a ConfigError that names the first bad one (`breaker.<option>`). */
export function resolveBreakerOptions(options: SlidingWindowBreakerOptions = {}): ResolvedBreakerOptions {
  const o = plainObject('breaker', options);
  // A misspelt option would otherwise silently fall back to its default.
  knownKeys('breaker.', o, KNOWN);
  const type =
    o.slidingWindowType === undefined
      ? BREAKER_DEFAULTS.slidingWindowType
      : oneOf('breaker.slidingWindowType', o.slidingWindowType, ['count', 'time'] as const);
  const size =
    o.slidingWindowSize === undefined
      ? type === 'count'
        ? BREAKER_DEFAULTS.countWindowSize
        : BREAKER_DEFAULTS.timeWindowSeconds
      : integer(
          'breaker.slidingWindowSize',
          o.slidingWindowSize,
          1,
          type === 'count' ? MAX_COUNT_WINDOW : MAX_TIME_WINDOW_SECONDS,
        );
  let minimumNumberOfCalls =
    o.minimumNumberOfCalls === undefined
      ? BREAKER_DEFAULTS.minimumNumberOfCalls
      : integer('breaker.minimumNumberOfCalls', o.minimumNumberOfCalls, 1);
  // As in resilience4j: a count window can never hold more calls than its size.
  if (type === 'count') minimumNumberOfCalls = Math.min(minimumNumberOfCalls, size);

  const wait =
    o.waitDurationInOpenState === undefined
      ? BREAKER_DEFAULTS.waitDurationInOpenState
      : finiteNumber('breaker.waitDurationInOpenState', o.waitDurationInOpenState, 1);
  let backoffMultiplier = 1;
  let backoffMaxMs = wait;
  if (o.openStateBackoff !== undefined) {
    const b = plainObject('breaker.openStateBackoff', o.openStateBackoff);
    knownKeys('breaker.openStateBackoff.', b, ['multiplier', 'maxMs']);
    backoffMultiplier = finiteNumber('breaker.openStateBackoff.multiplier', b.multiplier, 1);
    backoffMaxMs = finiteNumber('breaker.openStateBackoff.maxMs', b.maxMs, wait);
  }

  const handle = o.handle === undefined ? handleAll : errorFilterOption('breaker.handle', o.handle);
  const ignore = o.ignore === undefined ? undefined : errorFilterOption('breaker.ignore', o.ignore);

  let clock: Clock = systemClock;
  if (o.clock !== undefined) {
    const c = plainObject('breaker.clock', o.clock);
    fn('breaker.clock.now', c.now);
    clock = o.clock as Clock;
  }

  return {
    slidingWindowType: type,
    slidingWindowSize: size,
    minimumNumberOfCalls,
    failureRateThreshold: percent(
      'breaker.failureRateThreshold',
      o.failureRateThreshold,
      BREAKER_DEFAULTS.failureRateThreshold,
    ),
    slowCallDurationThreshold:
      o.slowCallDurationThreshold === undefined
        ? BREAKER_DEFAULTS.slowCallDurationThreshold
        : positiveOrInfinity('breaker.slowCallDurationThreshold', o.slowCallDurationThreshold),
    slowCallRateThreshold: percent(
      'breaker.slowCallRateThreshold',
      o.slowCallRateThreshold,
      BREAKER_DEFAULTS.slowCallRateThreshold,
    ),
    permittedNumberOfCallsInHalfOpenState:
      o.permittedNumberOfCallsInHalfOpenState === undefined
        ? BREAKER_DEFAULTS.permittedNumberOfCallsInHalfOpenState
        : integer('breaker.permittedNumberOfCallsInHalfOpenState', o.permittedNumberOfCallsInHalfOpenState, 1, 10_000),
    waitDurationInOpenState: wait,
    backoffMultiplier,
    backoffMaxMs,
    maxWaitDurationInHalfOpenState:
      o.maxWaitDurationInHalfOpenState === undefined
        ? BREAKER_DEFAULTS.maxWaitDurationInHalfOpenState
        : finiteNumber('breaker.maxWaitDurationInHalfOpenState', o.maxWaitDurationInHalfOpenState, 0),
    handle,
    ignore,
    clock,
  };
}

function percent(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 100) {
    throw new ConfigError(option, 'a number in (0, 100]', value);
  }
  return value;
}

function positiveOrInfinity(option: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new ConfigError(option, 'a number of ms > 0 (Infinity disables)', value);
  }
  return value;
}
