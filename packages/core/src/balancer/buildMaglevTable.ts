import { hashString } from './hashString.js';

const OFFSET_SEED = 0x6d61676c; // "magl"
const SKIP_SEED = 0x65763031; // "ev01"

/**
 * Builds a Maglev lookup table (Eisenbud et al., "Maglev", NSDI 2016): every backend
 * walks its own pseudo-random permutation of the slots (offset + j·skip mod size) and
 * the backends take turns claiming their next free slot until the table is full. The
 * turns make the shares as even as possible (they differ by at most one slot for
 * equal weights) and a membership change moves few slots.
 *
 * Weights follow Envoy's weighted Maglev: a backend of relative weight w takes a turn
 * in a fraction w of the rounds.
 *
 * @param ids backend names in a canonical order; the table depends only on ids, weights and size
 * @param weights positive weight of each backend
 * @param size number of slots; must be prime so every skip visits every slot
 * @returns `table[slot]` = index into `ids`
 */
export function buildMaglevTable(
  ids: readonly string[],
  weights: ArrayLike<number>,
  size: number,
): Uint16Array | Uint32Array {
  const n = ids.length;
  const table = n <= 0x10000 ? new Uint16Array(size) : new Uint32Array(size);
  if (n <= 1) return table;
  let maxWeight = 0;
  for (let i = 0; i < n; i++) maxWeight = Math.max(maxWeight, weights[i] as number);
  const share = new Float64Array(n);
  const position = new Int32Array(n);
  const skip = new Int32Array(n);
  const turns = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const id = ids[i] as string;
    share[i] = (weights[i] as number) / maxWeight;
    position[i] = hashString(id, OFFSET_SEED, size);
    skip[i] = hashString(id, SKIP_SEED, size - 1) + 1;
  }
  const taken = new Uint8Array(size);
  let filled = 0;
  for (let round = 1; filled < size; round++) {
    for (let i = 0; i < n && filled < size; i++) {
      if (round * (share[i] as number) < (turns[i] as number)) continue;
      turns[i] = (turns[i] as number) + 1;
      let slot = position[i] as number;
      const step = skip[i] as number;
      while (taken[slot] === 1) {
        slot += step;
        if (slot >= size) slot -= size;
      }
      taken[slot] = 1;
      table[slot] = i;
      filled++;
      const nextSlot = slot + step;
      position[i] = nextSlot >= size ? nextSlot - size : nextSlot;
    }
  }
  return table;
}
