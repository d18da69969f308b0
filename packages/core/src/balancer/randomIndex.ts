import type { RandomSource } from '../common/Clock.js';

/** A uniform index in [0, n) from `random`; a source that strays outside [0, 1) yields 0, never an out-of-range index. */
export function randomIndex(random: RandomSource, n: number): number {
  const i = Math.floor(random() * n);
  return i >= 0 && i < n ? i : 0;
}
