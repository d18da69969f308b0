import { isHttpStatusError } from '../errors/HttpStatusError.js';
import { isAbortError } from '../policy/isAbortError.js';
import { isTransientError } from '../policy/isTransientError.js';

/** Client defaults: tuned for calls between services, not resilience4j's generic ones. */
export const CLIENT_BREAKER_DEFAULTS = {
  slidingWindowType: 'count',
  slidingWindowSize: 20,
  minimumNumberOfCalls: 10,
  failureRateThreshold: 50,
  permittedNumberOfCallsInHalfOpenState: 3,
  waitDurationInOpenState: 5_000,
  openStateBackoff: { multiplier: 2, maxMs: 60_000 },
} as const;

export const CLIENT_DEFAULTS = {
  balancer: 'peak-ewma',
  panicThreshold: 0.5,
  timeoutMs: 10_000,
  retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 2_000, jitter: 'full' },
} as const;

/**
 * The default retry predicate of the client: transient errors, and any 5xx. A 500 from
 * one instance is often that instance's problem, and only idempotent calls (or ones
 * never sent) are retried anyway.
 */
export function isRetryableForClient(error: unknown): boolean {
  return isTransientError(error) || (isHttpStatusError(error) && error.status >= 500);
}

/**
 * How the client's breakers classify errors: 4xx refusals (429) and aborts say nothing
 * about the instance's health and are ignored. Pass it to your own breakers in a factory.
 */
export function classifyForClientBreaker(error: unknown): 'failure' | 'ignore' {
  // An abort (a hedge that lost, a caller that left) says nothing about the instance.
  if (isAbortError(error)) return 'ignore';
  return isHttpStatusError(error) && error.status < 500 ? 'ignore' : 'failure';
}
