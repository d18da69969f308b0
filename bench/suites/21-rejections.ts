// Cheap rejections beyond the breaker: a full bulkhead against cockatiel's, and a retry
// the exhausted budget refuses against the same call with no retry to refuse. On Node 22+
// cockatiel 4 (which needs it) gets a bulkhead row beside cockatiel 3.

import { bulkhead, handleAll, retry, retryBudget } from '@switchyard/core';
import { bulkhead as cockatielBulkhead } from 'cockatiel';
import { fmt, nsPerOp, nsPerOpAsync, type Suite, summarize, type Table } from '../harness.js';
import { loadNextMajors, NEXT_MAJORS_NOTE } from '../support/nextMajors.js';

const OPS = 25_000;
const ROUNDS = 15;
const resolved = Promise.resolve(1);
const action = (): Promise<number> => resolved;
const never = (): Promise<never> => new Promise<never>(() => undefined);

interface Contender {
  readonly name: string;
  readonly call: () => Promise<unknown>;
}

type Samples = Map<string, number[]>;

/** Every contender once per round, each awaiting and catching `ops` rejections, on a clean heap. */
async function interleaved(contenders: readonly Contender[], ops: number): Promise<Samples> {
  const samples: Samples = new Map(contenders.map((c) => [c.name, []]));
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of contenders) {
      gc?.();
      const timing = await nsPerOpAsync(
        async (n) => {
          for (let i = 0; i < n; i++) {
            try {
              await c.call();
            } catch {
              // expected: every call here is rejected
            }
          }
        },
        ops,
        1,
      );
      samples.get(c.name)?.push(timing.median);
    }
  }
  return samples;
}

function median(samples: Samples, name: string): number {
  return summarize(samples.get(name) ?? []).median;
}

/** Median over rounds of a/b within each round. */
function pairedRatio(samples: Samples, a: string, b: string): number {
  const xs = samples.get(a) ?? [];
  const ys = samples.get(b) ?? [];
  return summarize(xs.map((x, i) => x / (ys[i] ?? Number.NaN))).median;
}

const times = (value: number) => `${fmt(value, 2)}×`;
const pass = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');

const suite: Suite = {
  name: 'rejections',
  async run() {
    // --- a full bulkhead: one call holds the only slot, no queue ---
    const native = bulkhead({ maxConcurrent: 1, maxQueue: 0 });
    void native.execute(never);
    const peer = cockatielBulkhead(1, 0);
    void peer.execute(never);
    const next = await loadNextMajors();
    const nextPeer = next?.cockatiel.bulkhead(1, 0);
    void nextPeer?.execute(never);
    const NATIVE_BULKHEAD = 'BulkheadPolicy (maxConcurrent 1, maxQueue 0)';
    const COCKATIEL_BULKHEAD = 'cockatiel 3.2.1 bulkhead(1, 0)';
    const COCKATIEL_4_BULKHEAD = `${next?.cockatielName} bulkhead(1, 0)`;
    const bulkheadContenders: Contender[] = [
      { name: NATIVE_BULKHEAD, call: () => native.execute(action) },
      { name: COCKATIEL_BULKHEAD, call: () => peer.execute(action) },
      ...(nextPeer ? [{ name: COCKATIEL_4_BULKHEAD, call: () => nextPeer.execute(action) }] : []),
    ];
    const bulkheads = await interleaved(bulkheadContenders, OPS);
    const bulkheadVsCockatiel = pairedRatio(bulkheads, NATIVE_BULKHEAD, COCKATIEL_BULKHEAD);
    const bulkheadTable: Table = {
      title: `Full bulkhead: rejecting a call (${OPS.toLocaleString('en-US')} per run, ${ROUNDS} interleaved runs)`,
      columns: ['bulkhead', 'ns/op (median)', 'this ÷ cockatiel (median of per-run ratios)'],
      rows: bulkheadContenders.map(({ name }) => [
        name,
        fmt(median(bulkheads, name)),
        times(pairedRatio(bulkheads, name, COCKATIEL_BULKHEAD)),
      ]),
    };

    // --- an exhausted retry budget ---
    const exhausted = retryBudget({ ratio: 0, minRetriesPerSecond: 0 });
    if (exhausted.tryWithdraw()) throw new Error('the budget for the rejection benchmark is not exhausted');
    const down = new Error('down');
    const failing = (): Promise<never> => Promise.reject(down);
    const budgeted = retry({ maxAttempts: 3, initialDelayMs: 0, jitter: 'none', handle: handleAll, budget: exhausted });
    const single = retry({ maxAttempts: 1, handle: handleAll });
    const REFUSED = 'retry(maxAttempts 3), the exhausted budget refuses the retry';
    const NO_RETRY = 'retry(maxAttempts 1): no retry to refuse';
    const retries = await interleaved(
      [
        { name: REFUSED, call: () => budgeted.execute(failing) },
        { name: NO_RETRY, call: () => single.execute(failing) },
      ],
      OPS,
    );
    let refusedWithdrawals = 0;
    const withdraw = nsPerOp((n) => {
      for (let i = 0; i < n; i++) if (!exhausted.tryWithdraw()) refusedWithdrawals++;
    }, 1_000_000);
    const budgetExtra = median(retries, REFUSED) - median(retries, NO_RETRY);
    const budgetTable: Table = {
      title: `Exhausted retry budget: a failing call whose retry is refused (${OPS.toLocaleString('en-US')} per run, ${ROUNDS} interleaved runs)`,
      columns: ['case', 'ns/op (median)', 'this ÷ no retry (median of per-run ratios)'],
      rows: [
        ...[REFUSED, NO_RETRY].map((name) => [
          name,
          fmt(median(retries, name)),
          times(pairedRatio(retries, name, NO_RETRY)),
        ]),
        ['RetryBudget.tryWithdraw() refusing, alone (1,000,000 calls, median of 7 runs)', fmt(withdraw.median), '-'],
      ],
    };

    return {
      title: 'Cheap rejections: bulkhead and retry budget',
      description: `
A full bulkhead (its one slot held by a call that never ends, no queue) rejects every further call; each
rejection is awaited and caught, as a caller would. \`BulkheadPolicy\` makes its \`BulkheadRejectedError\` without
capturing a stack and rejects a microtask later, so Node's unhandled-rejection tracking never runs for it; cockatiel
builds its error with a stack. A retry the exhausted budget refuses rethrows the attempt's own error, so the
budget's cost is what that call costs beyond the same call made with no retry at all (both pay for the failing
attempt's rejection), and \`tryWithdraw()\` alone.

On Node 22+ cockatiel 4 gets a row too (the target is against cockatiel 3.2.1, the pinned one).

Targets: a full bulkhead ≤ 0.1× cockatiel's rejection; the budget's refusal well under a microsecond.`,
      tables: [bulkheadTable, budgetTable],
      notes: [
        `Full bulkhead: native rejects in ${times(bulkheadVsCockatiel)} cockatiel's time (target ≤ 0.1×): ${pass(bulkheadVsCockatiel <= 0.1)}.`,
        next
          ? `Against ${next.cockatielName}: native rejects in ${times(pairedRatio(bulkheads, NATIVE_BULKHEAD, COCKATIEL_4_BULKHEAD))} its time.`
          : NEXT_MAJORS_NOTE,
        `Exhausted budget: the refused retry adds ${fmt(budgetExtra)} ns to the call (medians) and \`tryWithdraw()\` takes ${fmt(withdraw.median)} ns (${refusedWithdrawals.toLocaleString('en-US')} refusals counted); target well under 1,000 ns: ${pass(budgetExtra < 1000 && withdraw.median < 1000)}.`,
      ],
    };
  },
};

export default suite;
