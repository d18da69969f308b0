/** Most keys an attribute cache holds before it starts over. */
export const MAX_CACHED_KEYS = 1024;

/** Sets `key`, first clearing `map` if it is full: caches stay bounded however many services and instances come and go. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (map.size >= MAX_CACHED_KEYS) map.clear();
  map.set(key, value);
}
