import { createInstance, type Instance } from '@switchyard/core';
import type { RandomSource } from '@switchyard/core/internal';

export { seededRandom } from '@switchyard/core/internal';

export { ManualClock as FakeClock } from '../../../../test/support/clock.js';

/** `n` instances of `service` with ids i0, i1, ... and the given weights (default 1). */
export function instances(n: number, weights: readonly number[] = [], service = 'svc'): Instance[] {
  return Array.from({ length: n }, (_, i) =>
    createInstance({ id: `i${i}`, host: '10.0.0.1', port: 1000 + i, weight: weights[i] ?? 1 }, service),
  );
}

/** Fisher-Yates shuffle of a copy, driven by `random`. */
export function shuffled<T>(items: readonly T[], random: RandomSource): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
