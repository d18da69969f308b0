// Case 13: both breakers refuse bad options with a ConfigError naming the option.
import { SlidingWindowBreaker, type SlidingWindowBreakerOptions } from '@switchyard/core';
import { OpossumBreaker, type OpossumBreakerOptions } from '@switchyard/core/opossum';
import fc from 'fast-check';
import { describe } from 'vitest';
import {
  at,
  badChoice,
  badFilter,
  badNumber,
  filter,
  junk,
  MAX_TIMER,
  optionProperties,
  unknownKeyAt,
} from './support.js';

const SLIDING_KEYS = [
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

describe('case 13: SlidingWindowBreaker options', () => {
  const percent = fc.double({ min: Number.MIN_VALUE, max: 100, noNaN: true });
  const valid: fc.Arbitrary<SlidingWindowBreakerOptions> = fc
    .record(
      {
        slidingWindowType: fc.constantFrom('count', 'time' as const),
        minimumNumberOfCalls: fc.integer({ min: 1, max: 1000 }),
        failureRateThreshold: percent,
        slowCallDurationThreshold: fc.oneof(fc.integer({ min: 1, max: 1e6 }), fc.constant(Number.POSITIVE_INFINITY)),
        slowCallRateThreshold: percent,
        permittedNumberOfCallsInHalfOpenState: fc.integer({ min: 1, max: 10_000 }),
        waitDurationInOpenState: fc.integer({ min: 1, max: 1e6 }),
        maxWaitDurationInHalfOpenState: fc.integer({ min: 0, max: 1e6 }),
        handle: filter,
        ignore: filter,
        clock: fc.constant({ now: () => 0 }),
      },
      { requiredKeys: [] },
    )
    .chain((o) =>
      fc
        .record(
          {
            slidingWindowSize: fc.integer({ min: 1, max: o.slidingWindowType === 'time' ? 3600 : 1000 }),
            openStateBackoff: fc.record({
              multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
              maxMs: fc.integer({ min: o.waitDurationInOpenState ?? 30_000, max: 1e7 }),
            }),
          },
          { requiredKeys: [] },
        )
        .map((more) => ({ ...o, ...more })),
    );
  optionProperties({
    valid,
    build: (o) => new SlidingWindowBreaker(o),
    dispose: (b) => (b as SlidingWindowBreaker).dispose(),
    invalid: fc.oneof(
      at([], junk('object')).map((i) => ({ ...i, option: 'breaker' })),
      at(['slidingWindowType'], badChoice(['count', 'time']), 'breaker.slidingWindowType'),
      at(
        ['slidingWindowSize'],
        badNumber(1, 3600, { integer: true }).filter(
          (v) => typeof v !== 'number' || v < 1 || !Number.isInteger(v) || v > 1_000_000,
        ),
        'breaker.slidingWindowSize',
      ),
      at(
        ['minimumNumberOfCalls'],
        badNumber(1, Number.POSITIVE_INFINITY, { integer: true }),
        'breaker.minimumNumberOfCalls',
      ),
      at(['failureRateThreshold'], badNumber(0, 100, { minExclusive: true }), 'breaker.failureRateThreshold'),
      at(['slowCallRateThreshold'], badNumber(0, 100, { minExclusive: true }), 'breaker.slowCallRateThreshold'),
      at(
        ['slowCallDurationThreshold'],
        badNumber(0, Number.POSITIVE_INFINITY, { minExclusive: true, allowInfinity: true }).filter(
          (v) => v !== Number.POSITIVE_INFINITY,
        ),
        'breaker.slowCallDurationThreshold',
      ),
      at(
        ['permittedNumberOfCallsInHalfOpenState'],
        badNumber(1, 10_000, { integer: true }),
        'breaker.permittedNumberOfCallsInHalfOpenState',
      ),
      at(['waitDurationInOpenState'], badNumber(1, Number.POSITIVE_INFINITY), 'breaker.waitDurationInOpenState'),
      at(['openStateBackoff'], junk('object'), 'breaker.openStateBackoff'),
      at(
        ['openStateBackoff', 'multiplier'],
        badNumber(1, Number.POSITIVE_INFINITY),
        'breaker.openStateBackoff.multiplier',
      ),
      at(
        ['maxWaitDurationInHalfOpenState'],
        badNumber(0, Number.POSITIVE_INFINITY),
        'breaker.maxWaitDurationInHalfOpenState',
      ),
      at(['handle'], badFilter, 'breaker.handle'),
      at(['ignore'], badFilter, 'breaker.ignore'),
      at(['clock', 'now'], junk('function'), 'breaker.clock.now'),
      unknownKeyAt([], SLIDING_KEYS, 'breaker'),
      // Was accepted: a typo inside the backoff fell back to nothing.
      unknownKeyAt(['openStateBackoff'], ['multiplier', 'maxMs'], 'breaker.openStateBackoff'),
    ),
  });
});

const OPOSSUM_KEYS = [
  'timeout',
  'resetTimeout',
  'rollingCountTimeout',
  'rollingCountBuckets',
  'name',
  'group',
  'rollingPercentilesEnabled',
  'capacity',
  'errorThresholdPercentage',
  'enabled',
  'allowWarmUp',
  'volumeThreshold',
  'errorFilter',
  'enableSnapshots',
  'autoRenewAbortController',
];

describe('case 13: OpossumBreaker options', () => {
  const valid: fc.Arbitrary<OpossumBreakerOptions> = fc.oneof(
    fc.record(
      {
        timeout: fc.oneof(fc.constant(false as const), fc.integer({ min: 1, max: MAX_TIMER })),
        resetTimeout: fc.integer({ min: 1, max: MAX_TIMER }),
        rollingCountTimeout: fc.integer({ min: 1000, max: 60_000 }),
        rollingCountBuckets: fc.integer({ min: 1, max: 100 }),
        name: fc.stringMatching(/^[a-z]{1,8}$/),
        capacity: fc.integer({ min: 1, max: 1000 }),
        errorThresholdPercentage: fc.integer({ min: 0, max: 100 }),
        volumeThreshold: fc.integer({ min: 0, max: 100 }),
        allowWarmUp: fc.boolean(),
        rollingPercentilesEnabled: fc.boolean(),
        errorFilter: fc.constant(() => false),
      },
      { requiredKeys: [] },
    ),
    fc.record({ handle: filter }),
  );
  optionProperties({
    valid,
    build: (o) => new OpossumBreaker(o),
    dispose: (b) => (b as OpossumBreaker).dispose(),
    invalid: fc.oneof(
      at([], junk('object')).map((i) => ({ ...i, option: 'opossum' })),
      at(
        ['timeout'],
        badNumber(0, MAX_TIMER).filter((v) => v !== false),
        'opossum.timeout',
      ),
      at(['resetTimeout'], badNumber(0, MAX_TIMER), 'opossum.resetTimeout'),
      at(['rollingCountTimeout'], badNumber(1, MAX_TIMER, { integer: true }), 'opossum.rollingCountTimeout'),
      at(['rollingCountBuckets'], badNumber(1, 10_000, { integer: true }), 'opossum.rollingCountBuckets'),
      at(['errorThresholdPercentage'], badNumber(0, 100), 'opossum.errorThresholdPercentage'),
      at(['capacity'], badNumber(1, Number.POSITIVE_INFINITY, { integer: true }), 'opossum.capacity'),
      at(['volumeThreshold'], badNumber(0, Number.POSITIVE_INFINITY, { integer: true }), 'opossum.volumeThreshold'),
      at(['enabled'], junk('boolean'), 'opossum.enabled'),
      at(['errorFilter'], junk('function'), 'opossum.errorFilter'),
      at(['handle'], badFilter, 'opossum.handle'),
      unknownKeyAt([], OPOSSUM_KEYS, 'opossum'),
    ),
  });
});
