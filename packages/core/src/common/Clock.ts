/** A monotonic clock in milliseconds. Inject one to control time in tests. */
export interface Clock {
  now(): number;
}

// Reads the global `performance` at call time, so fake timers that replace it apply.
export const systemClock: Clock = { now: () => performance.now() };

/** Returns a float in [0, 1). Inject a seeded one for reproducible behaviour. */
export type RandomSource = () => number;

export const defaultRandom: RandomSource = Math.random;
