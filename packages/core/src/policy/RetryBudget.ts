import { type Clock, systemClock } from '../common/Clock.js';
import { finiteNumber, fn, integer, knownKeys, orDefault, plainObject } from '../common/validate.js';

export interface RetryBudgetOptions {
  /** Retries allowed per call made, over the window. Default 0.2 (20 %). */
  readonly ratio?: number;
  /** Retries always allowed per second, so quiet clients can still retry. Default 10. */
  readonly minRetriesPerSecond?: number;
  /** How long a call or a retry counts against the budget. Default 10,000 ms. */
  readonly ttlMs?: number;
  /** Time buckets the window is cut into; more is finer and slightly slower. Default 10. */
  readonly buckets?: number;
  readonly clock?: Clock;
}

const BUDGET_OPTIONS: readonly (keyof RetryBudgetOptions)[] = [
  'ratio',
  'minRetriesPerSecond',
  'ttlMs',
  'buckets',
  'clock',
];

/** Validates budget options (a ConfigError names `retryBudget.<option>`) and fills in the defaults. */
export function resolveRetryBudgetOptions(options: RetryBudgetOptions = {}): Required<RetryBudgetOptions> {
  knownKeys('retryBudget.', plainObject('retryBudget', options), BUDGET_OPTIONS);
  if (options.clock !== undefined) fn('retryBudget.clock.now', plainObject('retryBudget.clock', options.clock).now);
  return {
    ratio: finiteNumber('retryBudget.ratio', orDefault(options.ratio, 0.2), 0, 1000),
    minRetriesPerSecond: finiteNumber('retryBudget.minRetriesPerSecond', orDefault(options.minRetriesPerSecond, 10), 0),
    ttlMs: finiteNumber('retryBudget.ttlMs', orDefault(options.ttlMs, 10_000), 1, 3_600_000),
    buckets: integer('retryBudget.buckets', orDefault(options.buckets, 10), 1, 1000),
    clock: options.clock ?? systemClock,
  };
}

/** Integer token units: a withdrawal costs SCALE, a deposit `ratio * SCALE` (no float drift). */
const SCALE = 1000;

/**
 * A shared cap on retries (Finagle's `RetryBudget`, Envoy's retry budgets): over the
 * last `ttlMs`, retries <= `ratio` x calls + `minRetriesPerSecond` x `ttlMs / 1000`.
 * While a backend is down every call fails, so without a budget N attempts per call
 * multiply its load by N exactly when it can least take it; with one, retries add at
 * most `ratio` (plus the small floor).
 *
 * Timer-free: deposits and withdrawals go into time buckets that are rolled lazily
 * from the clock on each use, so an idle budget costs nothing. Share one per service.
 */
export class RetryBudget {
  readonly ratio: number;
  readonly minRetriesPerSecond: number;
  readonly ttlMs: number;
  private readonly clock: Clock;
  private readonly depositUnits: number;
  private readonly reserveUnits: number;
  private readonly bucketMs: number;
  private readonly slots: Float64Array;
  /** Bucket number (time / bucketMs) of the newest slot. */
  private epoch: number;
  /** Sum of all slots: deposits minus withdrawals inside the window. */
  private sum = 0;

  constructor(options: RetryBudgetOptions = {}) {
    const { ratio, minRetriesPerSecond, ttlMs, buckets, clock } = resolveRetryBudgetOptions(options);
    this.ratio = ratio;
    this.minRetriesPerSecond = minRetriesPerSecond;
    this.ttlMs = ttlMs;
    this.clock = clock;
    this.depositUnits = Math.round(this.ratio * SCALE);
    this.reserveUnits = Math.round(this.minRetriesPerSecond * (this.ttlMs / 1000) * SCALE);
    this.bucketMs = this.ttlMs / buckets;
    this.slots = new Float64Array(buckets);
    this.epoch = Math.floor(this.clock.now() / this.bucketMs);
  }

  /** Records one logical call (not a retry). */
  deposit(): void {
    const index = this.roll();
    this.slots[index] = (this.slots[index] as number) + this.depositUnits;
    this.sum += this.depositUnits;
  }

  /** Takes one retry from the budget; false (and nothing taken) when it is exhausted. */
  tryWithdraw(): boolean {
    const index = this.roll();
    if (this.reserveUnits + this.sum < SCALE) return false;
    this.slots[index] = (this.slots[index] as number) - SCALE;
    this.sum -= SCALE;
    return true;
  }

  /** Retries that would be allowed right now. */
  get available(): number {
    this.roll();
    return Math.max(0, Math.floor((this.reserveUnits + this.sum) / SCALE));
  }

  /** Clears the buckets that fell out of the window since the last use; returns the current slot. */
  private roll(): number {
    const n = this.slots.length;
    const epoch = Math.floor(this.clock.now() / this.bucketMs);
    // A clock that stepped back keeps writing into the newest slot.
    if (epoch > this.epoch) {
      const steps = Math.min(n, epoch - this.epoch);
      for (let i = 1; i <= steps; i++) {
        const index = mod(this.epoch + i, n);
        this.sum -= this.slots[index] as number;
        this.slots[index] = 0;
      }
      this.epoch = epoch;
    }
    return mod(this.epoch, n);
  }
}

export function retryBudget(options?: RetryBudgetOptions): RetryBudget {
  return new RetryBudget(options);
}

function mod(value: number, n: number): number {
  return ((value % n) + n) % n;
}
