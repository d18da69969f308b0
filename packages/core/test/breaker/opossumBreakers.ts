import { afterEach, beforeEach, vi } from 'vitest';
import { OpossumBreaker, type OpossumBreakerOptions } from '../../src/opossum.js';

/**
 * For a file of opossum tests: fake timers around each test, and a maker of breakers
 * (volumeThreshold 2, resetTimeout 1 s unless given) disposed after each test.
 */
export function useOpossumBreakers(): (options?: OpossumBreakerOptions) => OpossumBreaker {
  const made: OpossumBreaker[] = [];
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    for (const b of made.splice(0)) b.dispose();
    vi.useRealTimers();
  });
  return (options = {}) => {
    const breaker = new OpossumBreaker({ volumeThreshold: 2, resetTimeout: 1_000, ...options });
    made.push(breaker);
    return breaker;
  };
}
