import type { RandomSource } from '../common/Clock.js';

/**
 * How retry delays are spread (see the AWS Architecture Blog, "Exponential Backoff and
 * Jitter"), with `cap(n) = min(maxDelayMs, initialDelayMs * multiplier^(n-1))`:
 * - `none`: `cap(n)` exactly;
 * - `full`: uniform in `[0, cap(n))`;
 * - `equal`: uniform in `[cap(n)/2, cap(n))`;
 * - `decorrelated`: uniform in `[initialDelayMs, previous * multiplier)`, at most `maxDelayMs`.
 */
export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';

export interface BackoffOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  readonly jitter: Jitter;
}

/**
 * The delay before retry number `retry` (1 for the first retry). `previousMs` is the
 * delay chosen before the previous retry (`initialDelayMs` for the first); only
 * decorrelated jitter uses it.
 */
export function backoffDelay(options: BackoffOptions, retry: number, previousMs: number, random: RandomSource): number {
  const { initialDelayMs, maxDelayMs, multiplier, jitter } = options;
  if (jitter === 'decorrelated') {
    const upper = Math.max(initialDelayMs, previousMs * multiplier);
    return Math.min(maxDelayMs, initialDelayMs + random() * (upper - initialDelayMs));
  }
  // 0 * Infinity is NaN: a zero initial delay stays zero however large the exponent.
  const exponential = initialDelayMs === 0 ? 0 : initialDelayMs * multiplier ** (retry - 1);
  const cap = Math.min(maxDelayMs, exponential);
  switch (jitter) {
    case 'none':
      return cap;
    case 'full':
      return random() * cap;
    case 'equal':
      return cap / 2 + (random() * cap) / 2;
  }
}
