// Cost of one pick() per strategy at 10, 100 and 1,000 instances, the cost of the
// feedback hooks of the adaptive ones, heap bytes per pick, and the quality of the
// Maglev table against a plain hash ring.

import {
  BALANCER_NAMES,
  type Balancer,
  type BalancerName,
  ConsistentHashBalancer,
  createBalancer,
  createInstance,
  type Instance,
  type PickContext,
} from '@switchyard/core';
import { bytesPerOp, fmt, nsPerOp, type Suite, type Table, type Timing } from '../harness.js';
import { RingHash } from '../sim/RingHash.js';

const SIZES = [10, 100, 1_000] as const;
const TARGET_NS: Partial<Record<BalancerName, number>> = {
  'round-robin': 150,
  random: 150,
  'least-request': 150,
  'peak-ewma': 150,
  'consistent-hash': 300,
};
const ADAPTIVE: readonly BalancerName[] = ['least-request', 'peak-ewma'];
const RUN_NS = 100e6; // aim for ~100 ms per timed run
const BYTES_OPS = 1_000_000;

type Loop = (balancer: Balancer, list: readonly Instance[], contexts: readonly PickContext[], ops: number) => number;

// Each (strategy, mode) gets a freshly compiled loop so its call sites stay monomorphic,
// as in a client that uses one strategy; one shared loop would measure megamorphic dispatch.
// Results are folded with xor so the sink stays a small integer: a growing sum would box
// a double per op until the loop is optimised, and show up as allocation.
function compileLoop(setup: string, body: string): Loop {
  return new Function(
    'balancer',
    'list',
    'contexts',
    'ops',
    `let sink = 0;
     const mask = contexts.length - 1;
     ${setup}
     for (let i = 0; i < ops; i++) {
       ${body}
     }
     return sink;`,
  ) as Loop;
}

const pickLoop = () => compileLoop('', 'sink ^= balancer.pick(list, contexts[i & mask]).port;');

const feedbackLoop = (outcomeSetup = 'const outcome = { latencyMs: 2, ok: true };') =>
  compileLoop(
    outcomeSetup,
    `const instance = balancer.pick(list, contexts[i & mask]);
     balancer.onCallStart(instance);
     balancer.onCallEnd(instance, outcome);
     sink ^= instance.port;`,
  );

let sink = 0;

function fleet(n: number): Instance[] {
  return Array.from({ length: n }, (_, i) =>
    createInstance({ id: `cart-${i}`, host: `10.0.${i >> 8}.${i & 255}`, port: 8080 }, 'cart'),
  );
}

/** 1,024 contexts; keyed ones for consistent hash so picks spread over the table. */
function contextsFor(name: BalancerName): PickContext[] {
  if (name !== 'consistent-hash') return [{ service: 'cart' }];
  return Array.from({ length: 1024 }, (_, i) => ({ service: 'cart', key: `user-${(i * 2_654_435_761) >>> 0}` }));
}

function time(loop: Loop, balancer: Balancer, list: readonly Instance[], contexts: readonly PickContext[]): Timing {
  const probe = 20_000;
  const start = process.hrtime.bigint();
  sink ^= loop(balancer, list, contexts, probe);
  const perOp = Number(process.hrtime.bigint() - start) / probe;
  const ops = Math.min(2_000_000, Math.max(20_000, Math.round(RUN_NS / perOp)));
  return nsPerOp((n) => {
    sink ^= loop(balancer, list, contexts, n);
  }, ops);
}

const ns = (t: Timing) => fmt(t.median, 0);

/** Heap bytes per op after a warm-up long enough for the loop to reach optimised code. */
async function allocation(
  loop: Loop,
  balancer: Balancer,
  list: readonly Instance[],
  contexts: readonly PickContext[],
): Promise<{ bytes: number; gcDuringRun: boolean }> {
  sink ^= loop(balancer, list, contexts, 200_000);
  return bytesPerOp((n) => {
    sink ^= loop(balancer, list, contexts, n);
  }, BYTES_OPS);
}

async function pickTables(): Promise<{ tables: Table[]; notes: string[] }> {
  const lists = new Map(SIZES.map((n) => [n, fleet(n)]));
  const pickRows: Array<Array<string | number>> = [];
  const feedbackRows: Array<Array<string | number>> = [];
  const bytesRows: Array<Array<string | number>> = [];
  const notes: string[] = [];
  for (const name of BALANCER_NAMES) {
    const contexts = contextsFor(name);
    const timings = SIZES.map((n) => time(pickLoop(), createBalancer(name), lists.get(n) as Instance[], contexts));
    const at1000 = timings[2] as Timing;
    const target = TARGET_NS[name];
    const verdict = target === undefined ? 'no target (O(n))' : at1000.median <= target ? 'pass' : 'FAIL';
    pickRows.push([name, ...timings.map(ns), target === undefined ? '-' : `≤ ${target}`, verdict]);
    if (target !== undefined) {
      notes.push(`${name}: ${ns(at1000)} ns/pick at 1,000 instances vs target ≤ ${target} ns: ${verdict}.`);
    }

    const list1000 = lists.get(1_000) as Instance[];
    const pickBytes = await allocation(pickLoop(), createBalancer(name), list1000, contexts);
    let feedbackBytes: { bytes: number; gcDuringRun: boolean } | undefined;
    if (ADAPTIVE.includes(name)) {
      const withFeedback = SIZES.map((n) =>
        time(feedbackLoop(), createBalancer(name), lists.get(n) as Instance[], contexts),
      );
      feedbackRows.push([name, ...withFeedback.map(ns)]);
      feedbackBytes = await allocation(feedbackLoop(), createBalancer(name), list1000, contexts);
    }
    const gc = pickBytes.gcDuringRun || feedbackBytes?.gcDuringRun === true;
    bytesRows.push([
      name,
      fmt(pickBytes.bytes, 3),
      feedbackBytes === undefined ? '-' : fmt(feedbackBytes.bytes, 3),
      gc ? 'yes (a lower bound)' : 'no (exact)',
    ]);
  }
  const maxPickBytes = Math.max(...bytesRows.map((r) => Number(r[1])));
  notes.push(
    `Allocation: at most ${fmt(maxPickBytes, 3)} heap bytes per pick over ${fmt(BYTES_OPS, 0)} picks at 1,000 instances ` +
      `(target ~0): ${maxPickBytes < 0.5 ? 'pass' : 'FAIL'}.`,
  );
  const ewma = await ewmaFeedbackBytes(lists.get(1_000) as Instance[]);
  notes.push(
    `Feedback: peak-EWMA's pick + onCallStart + onCallEnd allocates ${fmt(ewma.fromClient, 3)} heap bytes per call as the client calls it, ` +
      `with the end time the client read anyway (target 0: ${ewma.fromClient < 0.5 ? 'pass' : 'FAIL'}); reading its own clock it allocates ` +
      `${fmt(ewma.defaultClock, 3)} with \`performance.now()\` and ${fmt(ewma.hrtime, 3)} with a \`process.hrtime()\` clock ` +
      `(short runs without a GC, median of ${EWMA_RUNS}; what a clock read costs depends on the Node version).`,
  );
  return {
    tables: [
      {
        title: 'pick() ns/op (median of 7 runs)',
        columns: ['strategy', '10 instances', '100 instances', '1,000 instances', 'target @ 1,000', 'verdict'],
        rows: pickRows,
      },
      {
        title: 'pick() + onCallStart + onCallEnd ns/op (median of 7 runs)',
        columns: ['strategy', '10 instances', '100 instances', '1,000 instances'],
        rows: feedbackRows,
      },
      {
        title: `Heap bytes per pick over ${fmt(BYTES_OPS, 0)} picks, 1,000 instances`,
        columns: ['strategy', 'pick', 'pick + feedback', 'GC inside the measured run'],
        rows: bytesRows,
      },
      {
        title: `peak-EWMA pick + onCallStart + onCallEnd: heap bytes per call, 1,000 instances (runs of ${fmt(EWMA_RUN, 0)} calls without a GC, median of ${EWMA_RUNS})`,
        columns: ['where onCallEnd gets the time', 'bytes / call', 'target'],
        rows: [
          ["the client's end time (`endMs` on the balancer's clock)", fmt(ewma.fromClient, 3), '0'],
          ['its own reading, default clock (`performance.now()`)', fmt(ewma.defaultClock, 3), '-'],
          ['its own reading, a `process.hrtime()` clock', fmt(ewma.hrtime, 3), '-'],
        ],
      },
    ],
    notes,
  };
}

const EWMA_RUN = 20_000;
const EWMA_RUNS = 15;

/**
 * Heap bytes per peak-EWMA feedback call, measured in runs short enough (20,000 calls)
 * that no scavenge happens inside one: a long run's scavenges hide what it allocated.
 */
async function ewmaFeedbackBytes(
  list: readonly Instance[],
): Promise<{ defaultClock: number; hrtime: number; fromClient: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the balancer suite needs node --expose-gc');
  const contexts = contextsFor('peak-ewma');
  const measure = (balancer: Balancer, outcomeSetup?: string): number => {
    const loop = feedbackLoop(outcomeSetup);
    sink ^= loop(balancer, list, contexts, 300_000);
    const samples: number[] = [];
    for (let r = 0; r < EWMA_RUNS; r++) {
      gc();
      const before = process.memoryUsage().heapUsed;
      sink ^= loop(balancer, list, contexts, EWMA_RUN);
      samples.push(Math.max(0, (process.memoryUsage().heapUsed - before) / EWMA_RUN));
    }
    samples.sort((a, b) => a - b);
    return samples[EWMA_RUNS >> 1] as number;
  };
  // As the client calls it: the end time it read anyway, on the clock it gave the balancer.
  const clock = { now: () => performance.now() };
  const fromClient = measure(
    createBalancer('peak-ewma', { clock }),
    'const outcome = { latencyMs: 2, ok: true, endMs: 1000.5, clock: balancer.clock };',
  );
  return {
    fromClient,
    defaultClock: measure(createBalancer('peak-ewma')),
    hrtime: measure(
      createBalancer('peak-ewma', {
        clock: {
          now: () => {
            const t = process.hrtime();
            return (t[0] as number) * 1e3 + (t[1] as number) / 1e6;
          },
        },
      }),
    ),
  };
}

/** Share max/avg of an id → share map. */
function maxOverAvg(shares: Map<string, number>): number {
  let total = 0;
  let max = 0;
  for (const v of shares.values()) {
    total += v;
    max = Math.max(max, v);
  }
  return max / (total / shares.size);
}

const KEYS = Array.from({ length: 200_000 }, (_, i) => `key-${i}`);
const KEYED: PickContext[] = KEYS.slice(0, 65_536).map((key) => ({ service: 'a', key }));

/** Fraction of keys whose instance differs between two assignments, in units of 1/N. */
function movedTimesN(before: readonly string[], after: readonly string[], n: number): number {
  let moved = 0;
  for (let k = 0; k < before.length; k++) if (before[k] !== after[k]) moved++;
  return (moved / before.length) * n;
}

function medianMs(fn: () => void, runs = 5): number {
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples.sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
}

function hashingTable(): { table: Table; notes: string[] } {
  const rows: Array<Array<string | number>> = [];
  const notes: string[] = [];
  for (const n of [10, 100, 1_000]) {
    const list = fleet(n);
    const without = list.filter((_, i) => i !== Math.floor(n / 3));
    for (const tableSize of [65_537, 655_373]) {
      const maglev = new ConsistentHashBalancer({ tableSize });
      const build = medianMs(() => new ConsistentHashBalancer({ tableSize }).pick(list, { service: 'x', key: 'k' }));
      maglev.pick(list, { service: 'a', key: 'k' });
      const lookup = nsPerOp((ops) => {
        for (let i = 0; i < ops; i++) sink ^= maglev.pick(list, KEYED[i & 65_535] as PickContext).port;
      }, 500_000);
      const before = KEYS.map((key) => maglev.pick(list, { service: 'a', key }).id);
      // Ejected: the same balancer, given a list without one instance (the table stays).
      const ejected = movedTimesN(
        before,
        KEYS.map((key) => maglev.pick(without, { service: 'a', key }).id),
        n,
      );
      // Removed: the membership changed, so the table is rebuilt (as after retain, or in a new client).
      const fresh = new ConsistentHashBalancer({ tableSize });
      const moved = movedTimesN(
        before,
        KEYS.map((key) => fresh.pick(without, { service: 'b', key }).id),
        n,
      );
      const balance = maxOverAvg(maglev.shares('a'));
      rows.push([
        'Maglev',
        n,
        `${fmt(tableSize, 0)} slots`,
        fmt(build, 1),
        fmt(lookup.median, 0),
        fmt(balance, 3),
        fmt(moved, 2),
        fmt(ejected, 2),
        `${fmt((tableSize * (n <= 65_536 ? 2 : 4)) / 1024, 0)} KiB`,
      ]);
      if (n === 100 && tableSize === 65_537) {
        notes.push(
          `Maglev (default table) at N = 100: slot share max/avg ${fmt(balance, 3)} (target ≤ 1.1: ${balance <= 1.1 ? 'pass' : 'FAIL'}); ` +
            `removing one instance from the membership moves ${fmt(moved, 2)}/N of keys (1/N is the minimum); ` +
            `ejecting one from the list moves ${fmt(ejected, 2)}/N.`,
        );
      }
    }
    for (const points of [100, 1_000]) {
      let ring = new RingHash(list, points);
      const build = medianMs(() => {
        ring = new RingHash(list, points);
      }, 3);
      const ringWithout = new RingHash(without, points);
      const ringMoved = fmt(
        movedTimesN(
          KEYS.map((k) => ring.pick(k).id),
          KEYS.map((k) => ringWithout.pick(k).id),
          n,
        ),
        2,
      );
      const lookup = nsPerOp((ops) => {
        for (let i = 0; i < ops; i++) sink ^= ring.pick(KEYS[i & 65_535] as string).port;
      }, 500_000);
      rows.push([
        'ring',
        n,
        `${points} points/instance`,
        fmt(build, 1),
        fmt(lookup.median, 0),
        fmt(maxOverAvg(ring.shares()), 3),
        ringMoved,
        ringMoved,
        `${fmt((ring.size * 8) / 1024, 0)} KiB`,
      ]);
    }
  }
  return {
    table: {
      title: 'Consistent hashing: Maglev (shipped) vs a plain hash ring (bench/sim/RingHash.ts)',
      columns: [
        'method',
        'instances',
        'size',
        'build ms',
        'lookup ns',
        'share max/avg',
        'keys moved, 1 removed (× 1/N)',
        'keys moved, 1 ejected (× 1/N)',
        'memory',
      ],
      rows,
    },
    notes,
  };
}

const suite: Suite = {
  name: 'balancer-pick',
  async run() {
    const picks = await pickTables();
    const hashing = hashingTable();
    if (sink === 0.5) console.log(sink); // keep results observable so no loop is optimised away
    return {
      title: 'Balancer pick() cost and allocation',
      description: `
Each strategy picks from a list of 10, 100 and 1,000 instances that stays the same array between calls (as a
registry snapshot does); consistent hash cycles through 1,024 pre-built keyed contexts, the others reuse one
context. Every (strategy, mode) runs in its own freshly compiled loop so call sites stay monomorphic, as in a
client that uses one strategy. Defaults everywhere: no injected \`random\` (the built-in mulberry32 index
source), and for peak-EWMA the real \`performance.now()\` clock, which its \`pick\` does not read and its
\`onCallEnd\` reads once. Feedback rows call
\`onCallStart\` and \`onCallEnd\` right after each pick. Bytes per pick come from heap usage across
${fmt(BYTES_OPS, 0)} picks with node \`--expose-gc --max-semi-space-size=128\`.

Targets at 1,000 instances: ≤ 150 ns for round-robin, random, least-request and peak-EWMA, ≤ 300 ns for
consistent hash, ~0 bytes per pick. Smooth weighted round-robin is O(n) by design (nginx's algorithm scans every
instance) and has no target.

The last table compares Maglev with a ring: share max/avg is exact (slot counts, arc lengths). "Removed" means
the membership changed and the table was rebuilt; "ejected" means the balancer was handed a list without one
instance (a breaker ejection, a retry's exclusion), which Maglev serves from the same table by rehashing only the
missing instance's keys. A ring treats both alike. Moved keys are
measured over ${fmt(KEYS.length, 0)} keys.`,
      tables: [...picks.tables, hashing.table],
      notes: [...picks.notes, ...hashing.notes],
    };
  },
};

export default suite;
