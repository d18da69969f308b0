import { bulkhead, ConfigError, fallback, hedge, retry, retryBudget, timeout } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { configErrorOf } from '../../../../test/support/configError.js';

const MAX = 2_147_483_647;
const ERROR_FILTER = 'an ErrorFilter (handleAll, handleWhen(fn), handleType(Class, fn?))';

describe('policy options are validated', () => {
  it.each([
    ['retry("x")', () => retry('x' as never), 'retry', 'an object'],
    ['maxAttempts 0', () => retry({ maxAttempts: 0 }), 'retry.maxAttempts', 'an integer >= 1'],
    ['maxAttempts 1.5', () => retry({ maxAttempts: 1.5 }), 'retry.maxAttempts', 'an integer >= 1'],
    [
      'initialDelayMs -1',
      () => retry({ initialDelayMs: -1 }),
      'retry.initialDelayMs',
      `a finite number from 0 to ${MAX}`,
    ],
    [
      'maxDelayMs < initialDelayMs',
      () => retry({ initialDelayMs: 500, maxDelayMs: 100 }),
      'retry.maxDelayMs',
      `a finite number from 500 to ${MAX}`,
    ],
    ['multiplier 0.5', () => retry({ multiplier: 0.5 }), 'retry.multiplier', 'a finite number >= 1'],
    [
      'jitter',
      () => retry({ jitter: 'half' as never }),
      'retry.jitter',
      'one of "full", "equal", "decorrelated", "none"',
    ],
    ['handle 1', () => retry({ handle: 1 as never }), 'retry.handle', ERROR_FILTER],
    ['handle as a function', () => retry({ handle: (() => true) as never }), 'retry.handle', ERROR_FILTER],
    ['idempotent', () => retry({ idempotent: 'yes' as never }), 'retry.idempotent', 'a boolean'],
    ['retryNonIdempotent', () => retry({ retryNonIdempotent: 1 as never }), 'retry.retryNonIdempotent', 'a boolean'],
    [
      'maxRetryAfterMs',
      () => retry({ maxRetryAfterMs: Number.POSITIVE_INFINITY }),
      'retry.maxRetryAfterMs',
      `a finite number from 0 to ${MAX}`,
    ],
    ['budget', () => retry({ budget: {} as never }), 'retry.budget', 'a RetryBudget'],
    ['random', () => retry({ random: 0.5 as never }), 'retry.random', 'a function'],
    ['timeout 0', () => timeout(0), 'timeout.ms', `a finite number from 1 to ${MAX}`],
    ['timeout NaN', () => timeout(Number.NaN), 'timeout.ms', `a finite number from 1 to ${MAX}`],
    ['timeout 2^31', () => timeout(2 ** 31), 'timeout.ms', `a finite number from 1 to ${MAX}`],
    ['bulkhead()', () => bulkhead(undefined as never), 'bulkhead', 'an object'],
    ['maxConcurrent 0', () => bulkhead({ maxConcurrent: 0 }), 'bulkhead.maxConcurrent', 'an integer >= 1'],
    ['maxQueue -1', () => bulkhead({ maxConcurrent: 1, maxQueue: -1 }), 'bulkhead.maxQueue', 'an integer >= 0'],
    ['hedge delayMs', () => hedge({ delayMs: -1 }), 'hedge.delayMs', `a finite number from 0 to ${MAX}`],
    ['maxHedges', () => hedge({ delayMs: 10, maxHedges: 17 }), 'hedge.maxHedges', 'an integer from 0 to 16'],
    ['hedge handle', () => hedge({ delayMs: 10, handle: 'x' as never }), 'hedge.handle', ERROR_FILTER],
    ['ratio', () => retryBudget({ ratio: -0.1 }), 'retryBudget.ratio', 'a finite number from 0 to 1000'],
    [
      'minRetriesPerSecond',
      () => retryBudget({ minRetriesPerSecond: -1 }),
      'retryBudget.minRetriesPerSecond',
      'a finite number >= 0',
    ],
    ['ttlMs', () => retryBudget({ ttlMs: 0 }), 'retryBudget.ttlMs', 'a finite number from 1 to 3600000'],
    ['buckets', () => retryBudget({ buckets: 0 }), 'retryBudget.buckets', 'an integer from 1 to 1000'],
    ['fallback handle', () => fallback(1, { handle: {} as never }), 'fallback.handle', ERROR_FILTER],
    ['timeout options', () => timeout(10, 'x' as never), 'timeout', 'an object'],
    ['timeout clock', () => timeout(10, { clock: {} as never }), 'timeout.clock.now', 'a function'],
    ['budget clock', () => retryBudget({ clock: 1 as never }), 'retryBudget.clock', 'an object'],
  ])('%s', (_name, create, option, allowed) => {
    let caught: unknown;
    try {
      create();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught).toMatchObject({ option, allowed });
  });

  // A misspelt option (or one from the old API) would otherwise silently fall back to its default.
  it.each([
    ['retry', () => retry({ shouldRetry: () => true } as never), 'retry.shouldRetry'],
    ['retryBudget', () => retryBudget({ percent: 20 } as never), 'retryBudget.percent'],
    ['bulkhead', () => bulkhead({ maxConcurrent: 1, queue: 5 } as never), 'bulkhead.queue'],
    ['hedge', () => hedge({ delayMs: 10, shouldHedge: () => true } as never), 'hedge.shouldHedge'],
    ['timeout', () => timeout(10, { clok: {} } as never), 'timeout.clok'],
    ['fallback', () => fallback(1, { when: () => true } as never), 'fallback.when'],
  ])('%s rejects an unknown option key, naming it', (_name, create, option) => {
    const error = configErrorOf(create);
    expect(error.option).toBe(option);
    expect(error.allowed).toMatch(/^no such option \(allowed: /);
  });

  it('a bare function given as a filter gets a hint', () => {
    expect(configErrorOf(() => retry({ handle: (() => true) as never })).message).toContain(
      'wrap a predicate in handleWhen(fn)',
    );
  });

  it('accepts the defaults', () => {
    expect(retry().options).toMatchObject({
      maxAttempts: 3,
      initialDelayMs: 100,
      maxDelayMs: 10_000,
      multiplier: 2,
      jitter: 'full',
      idempotent: true,
      retryNonIdempotent: false,
      maxRetryAfterMs: 30_000,
      budget: undefined,
    });
    expect(retryBudget()).toMatchObject({ ratio: 0.2, minRetriesPerSecond: 10, ttlMs: 10_000 });
    expect(bulkhead({ maxConcurrent: 4 })).toMatchObject({ maxConcurrent: 4, maxQueue: 0 });
    expect(hedge({ delayMs: 50 })).toMatchObject({ delayMs: 50, maxHedges: 1, idempotent: true });
    expect(timeout(250).timeoutMs).toBe(250);
  });
});
