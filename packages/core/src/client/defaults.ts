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
  timeoutMs: 10_000,
  retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 2_000, jitter: 'full' },
} as const;
