import type { RandomSource } from './Clock.js';

/**
 * mulberry32: a tiny, fast, seeded generator of floats in [0, 1). Pass one where an
 * option takes a `RandomSource` (balancers, retry jitter) to make runs reproducible.
 * Not for anything security-related.
 */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
