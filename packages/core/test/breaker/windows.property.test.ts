import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CountWindow } from '../../src/breaker/CountWindow.js';
import { TimeWindow } from '../../src/breaker/TimeWindow.js';

const outcome = fc.integer({ min: 0, max: 3 });

function totals(outcomes: readonly number[]): { calls: number; failures: number; slowCalls: number } {
  return {
    calls: outcomes.length,
    failures: outcomes.filter((o) => o & 1).length,
    slowCalls: outcomes.filter((o) => o & 2).length,
  };
}

describe('outcome windows agree with a naive recount', () => {
  it('CountWindow holds exactly the last N outcomes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(outcome, { maxLength: 200 }), (size, outcomes) => {
        const window = new CountWindow(size);
        outcomes.forEach((o, i) => {
          window.record(o);
          const { calls, failures, slowCalls } = window;
          expect({ calls, failures, slowCalls }).toEqual(totals(outcomes.slice(Math.max(0, i + 1 - size), i + 1)));
        });
        expect(window.capacity).toBe(size);
      }),
      { seed: 20_240_601, numRuns: 200 },
    );
  });

  it('TimeWindow holds the outcomes of the last N seconds', () => {
    const step = fc.record({ dt: fc.integer({ min: 0, max: 2_500 }), outcome, read: fc.boolean() });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(step, { maxLength: 150 }), (seconds, steps) => {
        const window = new TimeWindow(seconds);
        const log: Array<{ second: number; outcome: number }> = [];
        let now = 0;
        for (const { dt, outcome: o, read } of steps) {
          now += dt;
          const second = Math.floor(now / 1000);
          if (read) window.roll(now);
          else {
            window.record(o, now);
            log.push({ second, outcome: o });
          }
          const live = log.filter((e) => e.second > second - seconds).map((e) => e.outcome);
          const { calls, failures, slowCalls } = window;
          expect({ calls, failures, slowCalls }).toEqual(totals(live));
        }
        expect(window.capacity).toBe(seconds);
      }),
      { seed: 20_240_602, numRuns: 200 },
    );
  });
});
