// Case 13: every policy factory refuses bad options with a ConfigError naming the option.
import { bulkhead, fallback, hedge, type RetryOptions, retry, retryBudget, timeout } from '@switchyard/core';
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
  RETRY_KEYS,
  unknownKeyAt,
} from './support.js';

const clock = { now: () => 0 };
const badClock = fc.oneof(junk('object'), fc.constant({}), fc.constant({ now: 5 }));

describe('case 13: retry options', () => {
  const valid: fc.Arbitrary<RetryOptions> = fc
    .record(
      {
        maxAttempts: fc.integer({ min: 1, max: 10 }),
        initialDelayMs: fc.integer({ min: 0, max: 1000 }),
        multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
        jitter: fc.constantFrom('full', 'equal', 'decorrelated', 'none' as const),
        handle: filter,
        idempotent: fc.boolean(),
        retryNonIdempotent: fc.boolean(),
        maxRetryAfterMs: fc.integer({ min: 0, max: MAX_TIMER }),
        random: fc.constant(() => 0.5),
      },
      { requiredKeys: [] },
    )
    .chain((o) =>
      fc
        .record({ maxDelayMs: fc.integer({ min: o.initialDelayMs ?? 100, max: MAX_TIMER }) }, { requiredKeys: [] })
        .map((d) => ({ ...o, ...d })),
    );
  optionProperties({
    valid,
    build: (o) => retry(o),
    invalid: fc.oneof(
      at([], junk('object')).map((i) => ({ ...i, option: 'retry' })),
      at(['maxAttempts'], badNumber(1, Number.POSITIVE_INFINITY, { integer: true }), 'retry.maxAttempts'),
      at(['initialDelayMs'], badNumber(0, MAX_TIMER), 'retry.initialDelayMs'),
      at(
        ['maxDelayMs'],
        badNumber(MAX_TIMER, MAX_TIMER).filter((v) => v !== MAX_TIMER),
        'retry.maxDelayMs',
      ),
      at(['multiplier'], badNumber(1, Number.POSITIVE_INFINITY), 'retry.multiplier'),
      at(['jitter'], badChoice(['full', 'equal', 'decorrelated', 'none']), 'retry.jitter'),
      at(['handle'], badFilter, 'retry.handle'),
      at(['idempotent'], junk('boolean'), 'retry.idempotent'),
      at(['retryNonIdempotent'], junk('boolean'), 'retry.retryNonIdempotent'),
      at(['maxRetryAfterMs'], badNumber(0, MAX_TIMER), 'retry.maxRetryAfterMs'),
      at(['budget'], fc.oneof(junk(), fc.constant({ ratio: 0.2 })), 'retry.budget'),
      at(['random'], junk('function'), 'retry.random'),
      unknownKeyAt([], RETRY_KEYS, 'retry'),
    ),
  });
});

describe('case 13: retryBudget options', () => {
  const keys = ['ratio', 'minRetriesPerSecond', 'ttlMs', 'buckets', 'clock'];
  optionProperties({
    valid: fc.record(
      {
        ratio: fc.double({ min: 0, max: 1000, noNaN: true }),
        minRetriesPerSecond: fc.double({ min: 0, max: 1e6, noNaN: true }),
        ttlMs: fc.integer({ min: 1, max: 3_600_000 }),
        buckets: fc.integer({ min: 1, max: 1000 }),
        clock: fc.constant(clock),
      },
      { requiredKeys: [] },
    ),
    build: (o) => retryBudget(o),
    invalid: fc.oneof(
      at([], junk('object')).map((i) => ({ ...i, option: 'retryBudget' })),
      at(['ratio'], badNumber(0, 1000), 'retryBudget.ratio'),
      at(['minRetriesPerSecond'], badNumber(0, Number.POSITIVE_INFINITY), 'retryBudget.minRetriesPerSecond'),
      at(['ttlMs'], badNumber(1, 3_600_000), 'retryBudget.ttlMs'),
      at(['buckets'], badNumber(1, 1000, { integer: true }), 'retryBudget.buckets'),
      // `{}` was a TypeError at the first clock read.
      at(['clock'], badClock, 'retryBudget.clock').map((i) =>
        typeof i.value === 'object' && i.value !== null && !Array.isArray(i.value)
          ? { ...i, option: 'retryBudget.clock.now' }
          : i,
      ),
      unknownKeyAt([], keys, 'retryBudget'),
    ),
  });
});

describe('case 13: timeout(ms, options)', () => {
  optionProperties({
    valid: fc.record(
      {
        ms: fc.integer({ min: 1, max: MAX_TIMER }),
        options: fc.record({ clock: fc.constant(clock) }, { requiredKeys: [] }),
      },
      { requiredKeys: ['ms'] },
    ),
    build: ({ ms, options }) => timeout(ms, options),
    invalid: fc.oneof(
      at(['ms'], badNumber(1, MAX_TIMER), 'timeout.ms'),
      // `null` was a TypeError (reading `clock` of null).
      at(['options'], junk('object'), 'timeout'),
      at(['options', 'clock'], badClock, 'timeout.clock').map((i) =>
        typeof i.value === 'object' && i.value !== null && !Array.isArray(i.value)
          ? { ...i, option: 'timeout.clock.now' }
          : i,
      ),
      unknownKeyAt(['options'], ['clock'], 'timeout'),
    ),
  });
});

describe('case 13: bulkhead options', () => {
  optionProperties({
    valid: fc.record(
      { maxConcurrent: fc.integer({ min: 1, max: 1e6 }), maxQueue: fc.integer({ min: 0, max: 1e6 }) },
      { requiredKeys: ['maxConcurrent'] },
    ),
    build: (o) => bulkhead(o),
    invalid: fc.oneof(
      at([], junk('object')).map((i) => ({ ...i, option: 'bulkhead' })),
      at(['maxConcurrent'], badNumber(1, Number.POSITIVE_INFINITY, { integer: true }), 'bulkhead.maxConcurrent'),
      at(['maxQueue'], badNumber(0, Number.POSITIVE_INFINITY, { integer: true }), 'bulkhead.maxQueue'),
      unknownKeyAt([], ['maxConcurrent', 'maxQueue'], 'bulkhead'),
    ),
  });
});

describe('case 13: hedge options', () => {
  optionProperties({
    valid: fc.record(
      {
        delayMs: fc.integer({ min: 0, max: MAX_TIMER }),
        maxHedges: fc.integer({ min: 0, max: 16 }),
        handle: filter,
        idempotent: fc.boolean(),
      },
      { requiredKeys: ['delayMs'] },
    ),
    build: (o) => hedge(o),
    invalid: fc.oneof(
      at([], junk('object')).map((i) => ({ ...i, option: 'hedge' })),
      at(['delayMs'], badNumber(0, MAX_TIMER), 'hedge.delayMs'),
      at(['maxHedges'], badNumber(0, 16, { integer: true }), 'hedge.maxHedges'),
      at(['handle'], badFilter, 'hedge.handle'),
      at(['idempotent'], junk('boolean'), 'hedge.idempotent'),
      unknownKeyAt([], ['delayMs', 'maxHedges', 'handle', 'idempotent'], 'hedge'),
    ),
  });
});

describe('case 13: fallback options', () => {
  optionProperties({
    valid: fc.record(
      { handler: fc.constant(() => 'fallback'), options: fc.record({ handle: filter }, { requiredKeys: [] }) },
      { requiredKeys: ['handler'] },
    ),
    build: ({ handler, options }) => fallback(handler, options),
    invalid: fc.oneof(
      at(['options'], junk('object'), 'fallback'),
      at(['options', 'handle'], badFilter, 'fallback.handle'),
      unknownKeyAt(['options'], ['handle'], 'fallback'),
    ),
  });
});
