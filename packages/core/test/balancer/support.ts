import { type Clock, createInstance, type Instance, type RandomSource } from '@switchyard/core';

/** mulberry32: a tiny seeded PRNG, good enough for reproducible tests. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  constructor(private time = 0) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
  set(ms: number): void {
    this.time = ms;
  }
}

/** `n` instances of `service` with ids i0, i1, ... and the given weights (default 1). */
export function instances(n: number, weights: readonly number[] = [], service = 'svc'): Instance[] {
  return Array.from({ length: n }, (_, i) =>
    createInstance({ id: `i${i}`, host: '10.0.0.1', port: 1000 + i, weight: weights[i] ?? 1 }, service),
  );
}

/** Fisher-Yates shuffle of a copy, driven by `random`. */
export function shuffled<T>(items: readonly T[], random: RandomSource): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
