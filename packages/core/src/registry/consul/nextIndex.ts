/**
 * The `index` for the next blocking query, following Consul's "Blocking Queries"
 * implementation notes:
 * - an index lower than the one we blocked on means the agent's state went backwards
 *   (restored snapshot, restarted dev agent): reset to 0, a non-blocking read that
 *   restarts the loop, instead of blocking on an index that may never come;
 * - otherwise never block on less than 1: an index of 0 returns at once, and a loop that
 *   keeps sending it spins (the docs call this a Consul bug worth guarding against).
 *
 * Indexes are uint64 in Consul, so they are kept as bigint.
 */
export function nextIndex(previous: bigint, returned: bigint): bigint {
  if (returned < previous) return 0n;
  return returned < 1n ? 1n : returned;
}

/** The `X-Consul-Index` header as a bigint, or `undefined` when missing or malformed. */
export function parseIndexHeader(value: string | string[] | undefined): bigint | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d{1,20}$/.test(text)) return undefined;
  return BigInt(text);
}
