import type { RandomSource } from '../../packages/core/src/internal.js';

/** An exponentially distributed sample with the given mean. */
export function exponential(random: RandomSource, mean: number): number {
  return -mean * Math.log(1 - random());
}
