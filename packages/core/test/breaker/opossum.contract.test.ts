import { vi } from 'vitest';
import { OpossumBreaker } from '../../src/opossum.js';
import { circuitBreakerContract } from './contract.js';

circuitBreakerContract({
  name: 'OpossumBreaker',
  setup: () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }),
  teardown: () => vi.useRealTimers(),
  create() {
    const breaker = new OpossumBreaker({
      volumeThreshold: 4,
      errorThresholdPercentage: 50,
      resetTimeout: 1_000,
      rollingCountTimeout: 10_000,
      rollingCountBuckets: 10,
    });
    return { breaker, advance: (ms) => vi.advanceTimersByTime(ms) };
  },
  minimumCalls: 4,
  waitMs: 1_000,
  probes: 1,
  abortsRecordedAsCalls: true,
  abortedProbe: 'reopens',
});
