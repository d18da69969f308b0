import type { RandomSource } from '@switchyard/core/internal';

/** An exponentially distributed sample with the given mean. */
export function exponential(random: RandomSource, mean: number): number {
  return -mean * Math.log(1 - random());
}
