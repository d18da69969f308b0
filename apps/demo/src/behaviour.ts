/** How an instance behaves; mutable so the scenario can slow, break and heal it live. */
export interface Behaviour {
  /** Typical time to answer, in ms (±20% jitter keeps percentiles honest). */
  latencyMs: number;
  /** While set, every request is answered with this status. */
  failWith?: number | undefined;
}

/** Simulated work: waits about `behaviour.latencyMs`. */
export function work(behaviour: Behaviour): Promise<void> {
  const ms = behaviour.latencyMs * (0.8 + Math.random() * 0.4);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
