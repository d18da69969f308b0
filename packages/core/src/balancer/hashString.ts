/**
 * A fast 32-bit string hash: FNV-1a over UTF-16 code units, then murmur3's `fmix32`
 * finalizer so every input bit affects every output bit (FNV-1a alone has weak low
 * bits, and the low bits pick table slots). Allocation-free; `seed` gives independent
 * hash functions (Maglev needs two per backend).
 */
export function hashString(value: string, seed = 0): number {
  let h = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) | 0;
  for (let i = 0; i < value.length; i++) {
    h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
