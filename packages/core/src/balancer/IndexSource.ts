import type { RandomSource } from '../common/Clock.js';

/**
 * Draws uniform indices for the randomised balancers. With no injected source it runs
 * mulberry32 on an Int32Array: a `RandomSource` returns a fresh double, and when V8
 * does not inline the call (often, inside a deep pick) that double is boxed, costing
 * one heap number per draw. The state array keeps every draw allocation-free. An
 * injected source (a seeded one in tests) is used as given.
 */
export class IndexSource {
  private readonly state = new Int32Array(1);

  constructor(private readonly random: RandomSource | undefined) {
    this.state[0] = Math.floor(Math.random() * 4294967296);
  }

  /** A uniform index in [0, n); a source that strays outside [0, 1) yields 0, never an out-of-range index. */
  next(n: number): number {
    let i: number;
    if (this.random === undefined) {
      const a = ((this.state[0] as number) + 0x6d2b79f5) | 0;
      this.state[0] = a;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      i = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    } else {
      i = Math.floor(this.random() * n);
    }
    return i >= 0 && i < n ? i : 0;
  }
}
