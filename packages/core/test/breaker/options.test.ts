import { ConfigError, SlidingWindowBreaker, type SlidingWindowBreakerOptions } from '@switchyard/core';
import { describe, expect, it } from 'vitest';

function rejection(options: unknown): ConfigError {
  try {
    new SlidingWindowBreaker(options as SlidingWindowBreakerOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe('SlidingWindowBreaker options', () => {
  it.each([
    [{ failureRateThreshold: 0 }, 'breaker.failureRateThreshold', '(0, 100]'],
    [{ failureRateThreshold: 100.5 }, 'breaker.failureRateThreshold', '(0, 100]'],
    [{ failureRateThreshold: Number.NaN }, 'breaker.failureRateThreshold', '(0, 100]'],
    [{ failureRateThreshold: '50' }, 'breaker.failureRateThreshold', '(0, 100]'],
    [{ slowCallRateThreshold: -1 }, 'breaker.slowCallRateThreshold', '(0, 100]'],
    [{ slowCallDurationThreshold: 0 }, 'breaker.slowCallDurationThreshold', '> 0'],
    [{ slidingWindowType: 'sliding' }, 'breaker.slidingWindowType', '"count", "time"'],
    [{ slidingWindowSize: 0 }, 'breaker.slidingWindowSize', 'an integer'],
    [{ slidingWindowSize: 2.5 }, 'breaker.slidingWindowSize', 'an integer'],
    [{ slidingWindowType: 'time', slidingWindowSize: 3601 }, 'breaker.slidingWindowSize', '3600'],
    [{ slidingWindowSize: 1_000_001 }, 'breaker.slidingWindowSize', '1000000'],
    [{ minimumNumberOfCalls: 0 }, 'breaker.minimumNumberOfCalls', 'an integer >= 1'],
    [{ permittedNumberOfCallsInHalfOpenState: 0 }, 'breaker.permittedNumberOfCallsInHalfOpenState', 'an integer'],
    [{ waitDurationInOpenState: 0 }, 'breaker.waitDurationInOpenState', '>= 1'],
    [{ waitDurationInOpenState: Number.POSITIVE_INFINITY }, 'breaker.waitDurationInOpenState', 'finite'],
    [{ openStateBackoff: 2 }, 'breaker.openStateBackoff', 'an object'],
    [{ openStateBackoff: { multiplier: 0.5, maxMs: 1e6 } }, 'breaker.openStateBackoff.multiplier', '>= 1'],
    [
      { waitDurationInOpenState: 5_000, openStateBackoff: { multiplier: 2, maxMs: 1_000 } },
      'breaker.openStateBackoff.maxMs',
      '>= 5000',
    ],
    [{ maxWaitDurationInHalfOpenState: -1 }, 'breaker.maxWaitDurationInHalfOpenState', '>= 0'],
    [{ handle: 'all' }, 'breaker.handle', 'an ErrorFilter'],
    [{ handle: () => true }, 'breaker.handle', 'an ErrorFilter'],
    [{ ignore: { handles: 1 } }, 'breaker.ignore', 'an ErrorFilter'],
    [{ classify: () => 'failure' }, 'breaker.classify', 'no such option'],
    [{ isFailure: () => true }, 'breaker.isFailure', 'no such option'],
    [{ clock: Date }, 'breaker.clock', 'an object'],
    [{ clock: {} }, 'breaker.clock.now', 'a function'],
    [{ failureThreshold: 50 }, 'breaker.failureThreshold', 'no such option'],
    [null, 'breaker', 'an object'],
  ])('rejects %j naming %s', (options, option, allowed) => {
    const error = rejection(options);
    expect(error.option).toBe(option);
    expect(error.allowed).toContain(allowed);
    expect(error.message).toContain(option);
  });

  it('accepts the boundaries', () => {
    const breaker = new SlidingWindowBreaker({
      failureRateThreshold: 100,
      slowCallRateThreshold: 0.01,
      slowCallDurationThreshold: Number.POSITIVE_INFINITY,
      slidingWindowSize: 1,
      minimumNumberOfCalls: 1,
      permittedNumberOfCallsInHalfOpenState: 1,
      waitDurationInOpenState: 1,
      openStateBackoff: { multiplier: 1, maxMs: 1 },
      maxWaitDurationInHalfOpenState: 0,
    });
    expect(breaker.options.backoffMaxMs).toBe(1);
  });
});
