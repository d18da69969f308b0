import type { Instance } from '../registry/Instance.js';
import { isUsableWeight } from './isUsableWeight.js';

/**
 * The positions of an instance list that may take traffic: those with a positive
 * weight, or every position when all weights are 0 (a drained fleet still serves).
 * Recomputed only when the list changes, detected by array reference and length, so
 * the common case (the same registry snapshot every call) costs two comparisons.
 */
export class EligibleIndex {
  private array: readonly Instance[] | undefined;
  private length = -1;
  private positions = new Int32Array(16);
  /** How many positions are eligible. */
  count = 0;
  /** Every position is eligible (`at(k) === k`). */
  all = true;
  /** Every weight is 0: callers that scale by weight should treat each as 1. */
  allZero = false;

  /** Brings the index up to date with `instances`; allocates only when the list outgrows the buffer. */
  update(instances: readonly Instance[]): void {
    const n = instances.length;
    if (instances === this.array && n === this.length) return;
    this.array = instances;
    this.length = n;
    if (this.positions.length < n) this.positions = new Int32Array(Math.max(n, this.positions.length * 2));
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (isUsableWeight((instances[i] as Instance).weight)) this.positions[count++] = i;
    }
    this.allZero = count === 0;
    this.all = count === n || count === 0;
    this.count = this.all ? n : count;
  }

  /** Position (in the list last passed to `update`) of the k-th eligible instance, 0 <= k < count. */
  at(k: number): number {
    return this.all ? k : (this.positions[k] as number);
  }
}
