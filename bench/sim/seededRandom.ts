import type { RandomSource } from '@switchyard/core';

/** mulberry32: a tiny seeded PRNG so every run of the simulation is identical. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An exponentially distributed sample with the given mean. */
export function exponential(random: RandomSource, mean: number): number {
  return -mean * Math.log(1 - random());
}
