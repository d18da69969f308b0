/**
 * A fast 32-bit string hash: FNV-1a over UTF-16 code units, then murmur3's `fmix32`
 * finalizer so every input bit affects every output bit (FNV-1a alone has weak low
 * bits, and the low bits pick table slots). Allocation-free; `seed` gives independent
 * hash functions (Maglev needs two per backend).
 *
 * With `modulus` the hash is reduced to [0, modulus). Reducing here rather than at the
 * caller matters on hot paths: a full 32-bit result does not fit V8's small-integer
 * range and is boxed on return whenever the call is not inlined.
 */
export function hashString(value: string, seed = 0, modulus = 4_294_967_296): number {
  let h = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) | 0;
  for (let i = 0; i < value.length; i++) {
    h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % modulus;
}
