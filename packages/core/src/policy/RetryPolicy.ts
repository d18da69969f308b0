import { defaultRandom, type RandomSource } from '../common/Clock.js';
import { EventEmitter } from '../common/Event.js';
import {
  booleanOption,
  finiteNumber,
  fn as functionOption,
  integer,
  knownKeys,
  oneOf,
  orDefault,
  plainObject,
} from '../common/validate.js';
import { ConfigError } from '../errors/ConfigError.js';
import { isUnsentError, serverRetryAfterMs } from '../errors/classify.js';
import { transientErrors } from '../errors/defaultFilters.js';
import { type ErrorFilter, errorFilterOption, filterHandles } from '../errors/ErrorFilter.js';
import { backoffDelay, type Jitter } from './backoffDelay.js';
import { callAttempt } from './callAttempt.js';
import { attemptContext } from './LazyAbort.js';
import type { AttemptContext, CallOptions, Policy } from './Policy.js';
import { RetryBudget } from './RetryBudget.js';
import { MAX_TIMER_DELAY_MS, sleep } from './sleep.js';

export interface RetryOptions {
  /** Attempts in total, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** Backoff before the first retry, before jitter. Default 100 ms. */
  readonly initialDelayMs?: number;
  /** Upper bound of any backoff delay (not of `Retry-After`). Default 10,000 ms. */
  readonly maxDelayMs?: number;
  /** Growth factor between retries. Default 2. */
  readonly multiplier?: number;
  /** Default `'full'`. */
  readonly jitter?: Jitter;
  /**
   * Which errors are worth another attempt. Default: transient errors
   * (`handleWhen(isTransientError)`). Never consulted once the caller aborted; a
   * predicate that throws counts as "no", and the attempt's error is rethrown.
   */
  readonly handle?: ErrorFilter;
  /** Whether calls that do not say (`CallOptions.idempotent` unset) are idempotent. Default true. */
  readonly idempotent?: boolean;
  /**
   * Retry non-idempotent calls too. Default false: they are retried only when the error
   * proves the request was never sent (`isUnsentError`).
   */
  readonly retryNonIdempotent?: boolean;
  /** Give up rather than wait longer than this for a server's `Retry-After`. Default 30,000 ms. */
  readonly maxRetryAfterMs?: number;
  /** Shared cap on retries; see `RetryBudget`. Default none. */
  readonly budget?: RetryBudget;
  /** Source of jitter; inject a seeded one in tests. */
  readonly random?: RandomSource;
}

export interface RetryEvent {
  /** Number of the attempt about to start (1 for the first retry). */
  readonly attempt: number;
  /** Wait before it: the backoff, or the server's `Retry-After` when longer. */
  readonly delayMs: number;
  /** Why the previous attempt failed. */
  readonly error: unknown;
}

export type GiveUpReason = 'attempts-exhausted' | 'not-idempotent' | 'retry-after-too-long' | 'budget-exhausted';

export interface GiveUpEvent {
  /** Attempts made. */
  readonly attempts: number;
  /** The last attempt's error, which the policy rethrows. */
  readonly error: unknown;
  readonly reason: GiveUpReason;
}

export interface BudgetExhaustedEvent {
  readonly attempts: number;
  readonly error: unknown;
}

/** Retry options with every default filled in, validated. */
export interface ResolvedRetryOptions {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  readonly jitter: Jitter;
  readonly idempotent: boolean;
  readonly retryNonIdempotent: boolean;
  readonly maxRetryAfterMs: number;
  readonly handle: ErrorFilter;
  readonly budget: RetryBudget | undefined;
  readonly random: RandomSource;
}

/** Validates retry options (every problem a ConfigError naming `retry.<option>`) and fills in the defaults. */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  knownKeys('retry.', plainObject('retry', options), RETRY_OPTIONS);
  const maxAttempts = integer('retry.maxAttempts', orDefault(options.maxAttempts, 3), 1);
  const initialDelayMs = finiteNumber(
    'retry.initialDelayMs',
    orDefault(options.initialDelayMs, 100),
    0,
    MAX_TIMER_DELAY_MS,
  );
  const maxDelayMs = finiteNumber(
    'retry.maxDelayMs',
    orDefault(options.maxDelayMs, Math.max(10_000, initialDelayMs)),
    initialDelayMs,
    MAX_TIMER_DELAY_MS,
  );
  const multiplier = finiteNumber('retry.multiplier', orDefault(options.multiplier, 2), 1);
  const jitter = oneOf('retry.jitter', orDefault(options.jitter, 'full'), ['full', 'equal', 'decorrelated', 'none']);
  const idempotent = booleanOption('retry.idempotent', orDefault(options.idempotent, true));
  const retryNonIdempotent = booleanOption('retry.retryNonIdempotent', orDefault(options.retryNonIdempotent, false));
  const maxRetryAfterMs = finiteNumber(
    'retry.maxRetryAfterMs',
    orDefault(options.maxRetryAfterMs, 30_000),
    0,
    MAX_TIMER_DELAY_MS,
  );
  const handle = options.handle === undefined ? transientErrors : errorFilterOption('retry.handle', options.handle);
  if (options.budget !== undefined && !(options.budget instanceof RetryBudget)) {
    throw new ConfigError('retry.budget', 'a RetryBudget', options.budget);
  }
  const budget = options.budget;
  if (options.random !== undefined) functionOption('retry.random', options.random);
  const random = options.random ?? defaultRandom;
  return {
    maxAttempts,
    initialDelayMs,
    maxDelayMs,
    multiplier,
    jitter,
    idempotent,
    retryNonIdempotent,
    maxRetryAfterMs,
    handle,
    budget,
    random,
  };
}

/**
 * Runs `fn` again when it fails with a retryable error, waiting an exponential, jittered
 * backoff in between. Rethrows the last error when it stops; rejects with the caller's
 * abort reason as soon as the caller aborts (no further attempts, sleeps cut short).
 */
export class RetryPolicy implements Policy {
  /** The options in force, defaults filled in. */
  readonly options: ResolvedRetryOptions;

  private readonly retryEmitter = new EventEmitter<RetryEvent>();
  private readonly giveUpEmitter = new EventEmitter<GiveUpEvent>();
  private readonly budgetExhaustedEmitter = new EventEmitter<BudgetExhaustedEvent>();
  /** Before each retry's backoff sleep. */
  readonly onRetry = this.retryEmitter.event;
  /** When the policy stops retrying an error it would otherwise retry, and rethrows it. */
  readonly onGiveUp = this.giveUpEmitter.event;
  /** When the budget refuses a retry (followed by `onGiveUp` with reason `budget-exhausted`). */
  readonly onBudgetExhausted = this.budgetExhaustedEmitter.event;

  constructor(options: RetryOptions = {}) {
    this.options = resolveRetryOptions(options);
  }

  async execute<T>(fn: (ctx: AttemptContext) => Promise<T>, signal?: AbortSignal, options?: CallOptions): Promise<T> {
    if (signal?.aborted) throw signal.reason;
    const idempotent = options?.idempotent ?? this.options.idempotent;
    this.options.budget?.deposit();
    let previousDelay = this.options.initialDelayMs;
    for (let attempt = 0; ; attempt++) {
      let error: unknown;
      try {
        // Without a caller signal, each attempt gets a lazily made one (see attemptContext).
        return await callAttempt(fn, attemptContext(signal, attempt));
      } catch (caught) {
        error = caught;
      }
      if (signal?.aborted) throw signal.reason;
      if (!filterHandles(this.options.handle, error, false)) throw error;
      const attempts = attempt + 1;
      if (attempts >= this.options.maxAttempts) throw this.giveUp(attempts, error, 'attempts-exhausted');
      if (!idempotent && !this.options.retryNonIdempotent && !isUnsentError(error)) {
        throw this.giveUp(attempts, error, 'not-idempotent');
      }
      const backoff = backoffDelay(this.options, attempts, previousDelay, this.options.random);
      previousDelay = backoff;
      const retryAfter = serverRetryAfterMs(error);
      if (retryAfter !== undefined && retryAfter > this.options.maxRetryAfterMs) {
        throw this.giveUp(attempts, error, 'retry-after-too-long');
      }
      // Checked last so the budget is only charged for retries that will happen.
      if (this.options.budget !== undefined && !this.options.budget.tryWithdraw()) {
        this.budgetExhaustedEmitter.emit({ attempts, error });
        throw this.giveUp(attempts, error, 'budget-exhausted');
      }
      const delayMs = retryAfter === undefined ? backoff : Math.max(backoff, retryAfter);
      this.retryEmitter.emit({ attempt: attempts, delayMs, error });
      await sleep(delayMs, signal);
    }
  }

  private giveUp(attempts: number, error: unknown, reason: GiveUpReason): unknown {
    this.giveUpEmitter.emit({ attempts, error, reason });
    return error;
  }
}

export function retry(options?: RetryOptions): RetryPolicy {
  return new RetryPolicy(options);
}

const RETRY_OPTIONS: readonly (keyof RetryOptions)[] = [
  'maxAttempts',
  'initialDelayMs',
  'maxDelayMs',
  'multiplier',
  'jitter',
  'handle',
  'idempotent',
  'retryNonIdempotent',
  'maxRetryAfterMs',
  'budget',
  'random',
];
