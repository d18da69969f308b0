import { SlidingWindowBreaker } from '@switchyard/core';
import { circuitBreakerContract } from './contract.js';
import { FakeClock } from './support.js';

for (const slidingWindowType of ['count', 'time'] as const) {
  circuitBreakerContract({
    name: `SlidingWindowBreaker (${slidingWindowType} window)`,
    create() {
      const clock = new FakeClock(1_000_000);
      const breaker = new SlidingWindowBreaker({
        slidingWindowType,
        slidingWindowSize: 10,
        minimumNumberOfCalls: 4,
        failureRateThreshold: 50,
        permittedNumberOfCallsInHalfOpenState: 2,
        waitDurationInOpenState: 1_000,
        clock,
      });
      return { breaker, advance: (ms) => clock.advance(ms) };
    },
    minimumCalls: 4,
    waitMs: 1_000,
    probes: 2,
    abortsRecordedAsCalls: false,
    abortedProbe: 'released',
  });
}
