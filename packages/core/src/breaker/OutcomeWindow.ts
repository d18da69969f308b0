/** Outcome bits packed into one small integer: bit 0 = failed, bit 1 = slow. */
export const FAILED = 1;
export const SLOW = 2;

/**
 * Counts of the outcomes in a sliding window, kept as running totals so reading them
 * is O(1). Implementations preallocate their storage: memory does not grow with traffic.
 */
export interface OutcomeWindow {
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
  /** Adds one outcome (`FAILED | SLOW` bits) observed at clock time `now` (ms). */
  record(outcome: number, now: number): void;
  /** Drops outcomes that have aged out by `now`; a no-op for count windows. */
  roll(now: number): void;
  clear(): void;
}
