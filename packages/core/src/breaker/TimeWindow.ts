import type { OutcomeWindow } from './OutcomeWindow.js';

/**
 * Outcomes of the last `seconds` seconds in a ring of per-second buckets, rolled
 * lazily from the clock on each read or write: no timers. A window of N seconds
 * covers the current (partial) second and the N - 1 before it.
 */
export class TimeWindow implements OutcomeWindow {
  calls = 0;
  failures = 0;
  slowCalls = 0;
  /** Per bucket: calls, failures, slow calls. */
  private readonly buckets: Uint32Array;
  private readonly seconds: number;
  /** The second (clock ms / 1000, floored) of the newest bucket. */
  private head = Number.NEGATIVE_INFINITY;

  constructor(seconds: number) {
    this.seconds = seconds;
    this.buckets = new Uint32Array(seconds * 3);
  }

  /** Buckets in the ring, counted from its storage; constant for the life of the window. */
  get capacity(): number {
    return this.buckets.length / 3;
  }

  record(outcome: number, now: number): void {
    this.roll(now);
    const b = this.slot(this.head) * 3;
    const buckets = this.buckets;
    const failed = outcome & 1;
    const slow = outcome >> 1;
    buckets[b] = (buckets[b] as number) + 1;
    buckets[b + 1] = (buckets[b + 1] as number) + failed;
    buckets[b + 2] = (buckets[b + 2] as number) + slow;
    this.calls++;
    this.failures += failed;
    this.slowCalls += slow;
  }

  roll(now: number): void {
    const second = Math.floor(now / 1000);
    const gap = second - this.head;
    // Same second, or a clock that stepped back: keep adding to the newest bucket.
    if (!(gap > 0)) return;
    if (gap >= this.seconds) {
      this.buckets.fill(0);
      this.calls = 0;
      this.failures = 0;
      this.slowCalls = 0;
    } else {
      // Each bucket is expired at most once per second it covers: amortised O(1).
      const buckets = this.buckets;
      for (let s = this.head + 1; s <= second; s++) {
        const b = this.slot(s) * 3;
        this.calls -= buckets[b] as number;
        this.failures -= buckets[b + 1] as number;
        this.slowCalls -= buckets[b + 2] as number;
        buckets[b] = 0;
        buckets[b + 1] = 0;
        buckets[b + 2] = 0;
      }
    }
    this.head = second;
  }

  clear(): void {
    this.buckets.fill(0);
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
    this.head = Number.NEGATIVE_INFINITY;
  }

  private slot(second: number): number {
    const i = second % this.seconds;
    return i < 0 ? i + this.seconds : i;
  }
}
