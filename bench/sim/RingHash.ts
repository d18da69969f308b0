import type { Instance } from '@switchyard/core';
import { hashString } from '../../packages/core/src/internal.js';

/**
 * A plain consistent-hash ring (Karger et al.; Envoy's RING_HASH, ketama), used only by
 * the benchmark to compare against the Maglev table core ships. Each instance owns
 * `pointsPerInstance` points; a key goes to the owner of the first point at or after
 * its hash, found by binary search.
 */
export class RingHash {
  private readonly points: Uint32Array;
  private readonly owners: Int32Array;
  private readonly instances: readonly Instance[];

  constructor(instances: readonly Instance[], pointsPerInstance: number) {
    const sorted = [...instances].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const entries: Array<[number, number]> = [];
    sorted.forEach((instance, owner) => {
      for (let v = 0; v < pointsPerInstance; v++) entries.push([hashString(`${instance.id}_${v}`), owner]);
    });
    entries.sort((a, b) => a[0] - b[0]);
    this.points = Uint32Array.from(entries, (e) => e[0]);
    this.owners = Int32Array.from(entries, (e) => e[1]);
    this.instances = sorted;
  }

  get size(): number {
    return this.points.length;
  }

  pick(key: string): Instance {
    const h = hashString(key);
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((points[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    return this.instances[this.owners[lo === points.length ? 0 : lo] as number] as Instance;
  }

  /** Exact share of the hash space per instance id (arc lengths), for max/avg. */
  shares(): Map<string, number> {
    const shares = new Map<string, number>();
    const points = this.points;
    const n = points.length;
    for (let i = 0; i < n; i++) {
      // The arc (previous point, this point] belongs to this point's owner.
      const previous = i === 0 ? (points[n - 1] as number) - 2 ** 32 : (points[i - 1] as number);
      const id = (this.instances[this.owners[i] as number] as Instance).id;
      shares.set(id, (shares.get(id) ?? 0) + ((points[i] as number) - previous) / 2 ** 32);
    }
    return shares;
  }
}
