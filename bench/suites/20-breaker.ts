// Circuit breakers: per-call overhead on an already-resolved call, the cost of
// rejecting while open, and the memory and timers of 10,000 idle breakers, for the
// native SlidingWindowBreaker against raw opossum 9 and cockatiel 3, and on Node 22+
// also opossum 10 and cockatiel 4 (which need it).

import { createHook } from 'node:async_hooks';
import { SlidingWindowBreaker } from '@switchyard/core';
import { OpossumBreaker } from '@switchyard/core/opossum';
import { ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import Opossum from 'opossum';
import { fmt, nsPerOpAsync, type Suite, summarize, type Table, type Timing } from '../harness.js';
import { loadNextMajors, NEXT_MAJORS_NOTE } from '../support/nextMajors.js';

const OPS = 100_000;
const ROUNDS = 15;
const BREAKERS = 10_000;
const resolved = Promise.resolve(1);
const action = (): Promise<number> => resolved;
/** What the tryExecute row awaits for a refusal: the loop awaits every contender's result alike. */
const refused = Promise.resolve(0);
const preallocated = new Error('preallocated');
/** opossum as OpossumBreaker configures it: no per-call timeout timer, no snapshots, no latency arrays. */
const OPOSSUM_AS_ADAPTER = { timeout: false, enableSnapshots: false, rollingPercentilesEnabled: false } as const;

interface Contender {
  readonly name: string;
  readonly call: () => Promise<unknown>;
}

/** Per contender, ns/op of each round; index r of every list comes from the same round. */
type Samples = Map<string, number[]>;

/**
 * Times every contender once per round, round after round, so drift on a busy machine
 * (these share two cores) hits all of them alike.
 */
async function interleaved(contenders: readonly Contender[], ops: number, rejecting: boolean): Promise<Samples> {
  const samples: Samples = new Map(contenders.map((c) => [c.name, []]));
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of contenders) {
      // Each run starts from a clean heap, so nobody is timed collecting another's garbage.
      gc?.();
      const timing = await nsPerOpAsync(
        rejecting
          ? async (n) => {
              for (let i = 0; i < n; i++) {
                try {
                  await c.call();
                } catch {
                  // expected: the circuit is open
                }
              }
            }
          : async (n) => {
              for (let i = 0; i < n; i++) await c.call();
            },
        ops,
        1,
      );
      samples.get(c.name)?.push(timing.median);
    }
  }
  return samples;
}

function timingOf(samples: Samples, name: string): Timing {
  return summarize(samples.get(name) ?? []);
}

/** Median over rounds of a/b within each round: robust to load that changes between rounds. */
function pairedRatio(samples: Samples, a: string, b: string): number {
  const xs = samples.get(a) ?? [];
  const ys = samples.get(b) ?? [];
  return summarize(xs.map((x, i) => x / (ys[i] ?? Number.NaN))).median;
}

function times(value: number): string {
  return `${fmt(value, 2)}×`;
}

/** Timers keeping the event loop alive (what `process.getActiveResourcesInfo()` lists). */
function refTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/**
 * Timers that `create` leaves alive, ref'd or not. opossum unrefs its intervals, so
 * `getActiveResourcesInfo()` does not list them; async_hooks sees every `Timeout`.
 */
function timersLeftBy<T>(create: () => T, release: (b: T) => void): { all: number; ref: number } {
  const live = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'Timeout') live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  const refBefore = refTimers();
  const held: T[] = [];
  for (let i = 0; i < BREAKERS; i++) held.push(create());
  const ref = refTimers() - refBefore;
  hook.disable();
  for (const b of held) release(b);
  return { all: live.size, ref };
}

async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the breaker suite needs node --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Heap plus off-heap memory: typed-array backing stores live outside `heapUsed`. */
function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Heap bytes per breaker for `BREAKERS` breakers made by `create`, and the timers they keep. */
async function footprint<T>(
  create: () => T,
  release: (b: T) => void,
): Promise<{ bytes: number; timers: number; refTimers: number }> {
  const held: T[] = new Array<T>(BREAKERS);
  await settle();
  const before = used();
  for (let i = 0; i < BREAKERS; i++) held[i] = create();
  await settle();
  const bytes = (used() - before) / BREAKERS;
  for (const b of held) release(b);
  held.length = 0;
  // Counted in a second pass so the hook's bookkeeping stays out of the heap figure.
  const timers = timersLeftBy(create, release);
  return { bytes, timers: timers.all, refTimers: timers.ref };
}

const suite: Suite = {
  name: 'breaker',
  async run() {
    // --- per-call overhead, closed circuit, already-resolved call ---
    const native = new SlidingWindowBreaker();
    const nativeSlow = new SlidingWindowBreaker({ slowCallDurationThreshold: 60_000 });
    const nativeTime = new SlidingWindowBreaker({ slidingWindowType: 'time' });
    const opossumDefaults = new Opossum(action);
    const opossumLean = new Opossum(action, { ...OPOSSUM_AS_ADAPTER });
    const cockatiel = circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
    const adapter = new OpossumBreaker();
    const next = await loadNextMajors();
    const next4 = next?.cockatiel;
    const nextCockatiel = next4?.circuitBreaker(next4.handleAll, {
      halfOpenAfter: 10_000,
      breaker: new next4.ConsecutiveBreaker(5),
    });
    const nextOpossumDefaults = next && new next.Opossum(action);
    const nextOpossumLean = next && new next.Opossum(action, { ...OPOSSUM_AS_ADAPTER });
    const COCKATIEL_4 = `${next?.cockatielName} ConsecutiveBreaker(5)`;
    const OPOSSUM_10 = `${next?.opossumName} fire(), defaults (10 s timeout)`;
    const OPOSSUM_10_LEAN = `${next?.opossumName} fire(), timeout: false, no snapshots/percentiles`;
    const contenders: Contender[] = [
      { name: 'no breaker (await the promise)', call: action },
      { name: 'SlidingWindowBreaker (count, defaults)', call: () => native.execute(action) },
      { name: 'SlidingWindowBreaker (count, slow calls over 60 s tracked)', call: () => nativeSlow.execute(action) },
      { name: 'SlidingWindowBreaker (time, 60 s)', call: () => nativeTime.execute(action) },
      { name: 'cockatiel 3.2.1 ConsecutiveBreaker(5)', call: () => cockatiel.execute(action) },
      { name: 'opossum 9 fire(), defaults (10 s timeout)', call: () => opossumDefaults.fire() },
      { name: 'opossum 9 fire(), timeout: false, no snapshots/percentiles', call: () => opossumLean.fire() },
      { name: 'OpossumBreaker adapter (same opossum settings)', call: () => adapter.execute(action) },
      ...(nextCockatiel && nextOpossumDefaults && nextOpossumLean
        ? [
            { name: COCKATIEL_4, call: () => nextCockatiel.execute(action) },
            { name: OPOSSUM_10, call: () => nextOpossumDefaults.fire() },
            { name: OPOSSUM_10_LEAN, call: () => nextOpossumLean.fire() },
          ]
        : []),
    ];
    const calls = await interleaved(contenders, OPS, false);
    const NATIVE = 'SlidingWindowBreaker (count, defaults)';
    const NATIVE_SLOW = 'SlidingWindowBreaker (count, slow calls over 60 s tracked)';
    const NATIVE_TIME = 'SlidingWindowBreaker (time, 60 s)';
    const COCKATIEL = 'cockatiel 3.2.1 ConsecutiveBreaker(5)';
    const OPOSSUM = 'opossum 9 fire(), defaults (10 s timeout)';
    const OPOSSUM_LEAN = 'opossum 9 fire(), timeout: false, no snapshots/percentiles';
    const callTable: Table = {
      title: `Closed circuit: one call of an already-resolved function (${OPS.toLocaleString('en-US')} calls per run, ${ROUNDS} interleaved runs)`,
      columns: ['breaker', 'ns/op (median)', 'min', 'max', 'native default ÷ this (median of per-run ratios)'],
      rows: contenders.map((c) => {
        const timing = timingOf(calls, c.name);
        return [
          c.name,
          fmt(timing.median),
          fmt(timing.min),
          fmt(timing.max),
          times(pairedRatio(calls, NATIVE, c.name)),
        ];
      }),
    };

    // --- rejecting while open ---
    const openNative = new SlidingWindowBreaker({ waitDurationInOpenState: 600_000 });
    const failing = (): Promise<never> => Promise.reject(new Error('down'));
    for (let i = 0; i < 20; i++) await openNative.execute(failing).catch(() => undefined);
    const openCockatiel = circuitBreaker(handleAll, { halfOpenAfter: 600_000, breaker: new ConsecutiveBreaker(5) });
    for (let i = 0; i < 5; i++) await openCockatiel.execute(failing).catch(() => undefined);
    const openOpossum = new Opossum(action, { ...OPOSSUM_AS_ADAPTER, resetTimeout: 600_000 });
    openOpossum.open();
    if (openNative.state !== 'open' || openCockatiel.state !== 1 || !openOpossum.opened) {
      throw new Error('a breaker did not open for the rejection benchmark');
    }
    const openNextCockatiel = next4?.circuitBreaker(next4.handleAll, {
      halfOpenAfter: 600_000,
      breaker: new next4.ConsecutiveBreaker(5),
    });
    for (let i = 0; i < 5; i++) await openNextCockatiel?.execute(failing).catch(() => undefined);
    const openNextOpossum = next && new next.Opossum(action, { ...OPOSSUM_AS_ADAPTER, resetTimeout: 600_000 });
    openNextOpossum?.open();
    if (
      (openNextCockatiel !== undefined && openNextCockatiel.state !== next4?.CircuitState.Open) ||
      (openNextOpossum !== undefined && !openNextOpossum.opened)
    ) {
      throw new Error('a newer-major breaker did not open for the rejection benchmark');
    }
    const rejecters: Contender[] = [
      {
        name: 'SlidingWindowBreaker execute() (rejects with BrokenCircuitError)',
        call: () => openNative.execute(action),
      },
      {
        name: 'SlidingWindowBreaker tryExecute() (refusal as an outcome, as the client uses it)',
        call: () => openNative.tryExecute(action) ?? refused,
      },
      { name: 'cockatiel 3.2.1', call: () => openCockatiel.execute(action) },
      { name: 'opossum 9', call: () => openOpossum.fire() },
      ...(openNextCockatiel && openNextOpossum
        ? [
            { name: next?.cockatielName ?? '', call: () => openNextCockatiel.execute(action) },
            { name: next?.opossumName ?? '', call: () => openNextOpossum.fire() },
          ]
        : []),
      {
        name: 'floor: a promise that rejects a microtask later with a preallocated error',
        call: () => new Promise((_resolve, reject) => void refused.then(() => reject(preallocated))),
      },
    ];
    const NATIVE_REJECT = rejecters[0]?.name as string;
    const NATIVE_OUTCOME = rejecters[1]?.name as string;
    const FLOOR = rejecters[rejecters.length - 1]?.name as string;
    const rejections = await interleaved(rejecters, OPS / 4, true);
    const rejectRows = rejecters.map((c) => [
      c.name,
      fmt(timingOf(rejections, c.name).median),
      times(pairedRatio(rejections, c.name, 'cockatiel 3.2.1')),
    ]);
    const rejectTable: Table = {
      title: 'Open circuit: rejecting a call (error object included, awaited and caught)',
      columns: ['breaker', 'ns/op (median)', 'this ÷ cockatiel (median of per-run ratios)'],
      rows: rejectRows,
    };
    const rejectVsCockatiel = pairedRatio(rejections, NATIVE_REJECT, 'cockatiel 3.2.1');
    const outcomeVsCockatiel = pairedRatio(rejections, NATIVE_OUTCOME, 'cockatiel 3.2.1');
    for (const b of [opossumDefaults, opossumLean, openOpossum]) b.shutdown();
    for (const b of [nextOpossumDefaults, nextOpossumLean, openNextOpossum]) b?.shutdown();
    adapter.dispose();

    // --- memory and timers of 10,000 idle breakers ---
    const nativeMem = await footprint(
      () => new SlidingWindowBreaker(),
      (b) => b.dispose(),
    );
    const nativeTimeMem = await footprint(
      () => new SlidingWindowBreaker({ slidingWindowType: 'time' }),
      (b) => b.dispose(),
    );
    const cockatielMem = await footprint(
      () => circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
      () => undefined,
    );
    const opossumMem = await footprint(
      () => new Opossum(action),
      (b) => b.shutdown(),
    );
    const opossumLeanMem = await footprint(
      () => new Opossum(action, { ...OPOSSUM_AS_ADAPTER }),
      (b) => b.shutdown(),
    );
    const nextMem = next && {
      cockatiel: await footprint(
        () =>
          next.cockatiel.circuitBreaker(next.cockatiel.handleAll, {
            halfOpenAfter: 10_000,
            breaker: new next.cockatiel.ConsecutiveBreaker(5),
          }),
        () => undefined,
      ),
      opossum: await footprint(
        () => new next.Opossum(action),
        (b) => b.shutdown(),
      ),
      opossumLean: await footprint(
        () => new next.Opossum(action, { ...OPOSSUM_AS_ADAPTER }),
        (b) => b.shutdown(),
      ),
    };
    const row = (name: string, m: { bytes: number; timers: number; refTimers: number }) => [
      name,
      fmt(m.bytes, 0),
      m.timers.toLocaleString('en-US'),
      m.refTimers.toLocaleString('en-US'),
    ];
    const memoryRows = [
      row('SlidingWindowBreaker (count window of 100)', nativeMem),
      row('SlidingWindowBreaker (time window of 60 s)', nativeTimeMem),
      row('cockatiel 3.2.1 ConsecutiveBreaker(5)', cockatielMem),
      row('opossum 9, defaults', opossumMem),
      row('opossum 9, as the adapter configures it', opossumLeanMem),
      ...(next && nextMem
        ? [
            row(`${next.cockatielName} ConsecutiveBreaker(5)`, nextMem.cockatiel),
            row(`${next.opossumName}, defaults`, nextMem.opossum),
            row(`${next.opossumName}, as the adapter configures it`, nextMem.opossumLean),
          ]
        : []),
    ];
    const memoryTable: Table = {
      title: `${BREAKERS.toLocaleString('en-US')} idle breakers: bytes per breaker (heap + external, after GC) and live timers in total`,
      columns: ['breaker', 'bytes / breaker', 'live timers (all)', 'of which ref’d (getActiveResourcesInfo)'],
      rows: memoryRows,
    };

    const pass = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');
    const vsOpossumLean = pairedRatio(calls, NATIVE, OPOSSUM_LEAN);
    const vsOpossumDefault = pairedRatio(calls, NATIVE, OPOSSUM);
    const vsCockatiel = pairedRatio(calls, NATIVE, COCKATIEL);
    const slowVsCockatiel = pairedRatio(calls, NATIVE_SLOW, COCKATIEL);
    const timeVsCockatiel = pairedRatio(calls, NATIVE_TIME, COCKATIEL);
    return {
      title: 'Circuit breakers',
      description: `
Each call awaits \`execute()\` (or opossum's \`fire()\`) of a function returning an already-resolved
promise, so the numbers are the breaker's own overhead. The native breaker runs with its defaults (count
window of 100, slow-call tracking off, so no clock read per call) and, for comparison, with
resilience4j's 60 s slow-call threshold (two clock reads per call) and with a 60 s time window (one). opossum is measured twice:
with its defaults (a 10 s timeout means a \`setTimeout\`/\`clearTimeout\` per call, and latency percentiles
push into an array per call) and as \`OpossumBreaker\` configures it (\`timeout: false\`, no snapshots, no
percentiles). cockatiel uses \`circuitBreaker(handleAll, { halfOpenAfter, breaker: new ConsecutiveBreaker(5) })\`.
On Node 22+ opossum 10 and cockatiel 4 (which require it) get the same rows beside opossum 9 and cockatiel 3.

Runs are interleaved (every contender once per round) because this machine is shared and noisy; compare
ratios within one run, not absolute numbers across runs. Memory is the growth of \`heapUsed + external\`
(typed-array rings live off-heap) after GC for 10,000 breakers; timers are counted with async_hooks (opossum unrefs its intervals, so
\`process.getActiveResourcesInfo()\`, which lists only ref'd handles, does not show them).

The open-circuit table awaits each rejection and catches it, as a caller would. The native breaker makes
its \`BrokenCircuitError\` without capturing a stack and rejects a microtask later (so Node's unhandled-rejection
tracking never runs for it); \`tryExecute()\` refuses with \`undefined\` and makes nothing, which is what the
client's pick stage uses to re-pick past a refusing instance.

Targets: native ≤ 0.25× opossum and ≤ 1× cockatiel per call; ≤ 1 KB and zero timers per idle breaker; an open
breaker rejecting ≤ 0.1× cockatiel's rejection.`,
      tables: [callTable, rejectTable, memoryTable],
      notes: [
        ...(rejectVsCockatiel > 0.1
          ? [
              `Open circuit, \`execute()\`: the floor row (${times(pairedRatio(rejections, FLOOR, 'cockatiel 3.2.1'))} cockatiel) is what awaiting any rejected promise costs here; the breaker adds ${fmt(timingOf(rejections, NATIVE_REJECT).median - timingOf(rejections, FLOOR).median)} ns to it.`,
            ]
          : []),
        `Per call, native is ${times(vsOpossumLean)} opossum as the adapter runs it and ${times(vsOpossumDefault)} opossum with its defaults (target ≤ 0.25×): ${pass(vsOpossumLean <= 0.25)} against the leaner opossum, ${pass(vsOpossumDefault <= 0.25)} against its defaults.`,
        `Per call, native is ${times(vsCockatiel)} cockatiel (target ≤ 1×): ${pass(vsCockatiel <= 1)}. With slow calls tracked it is ${times(slowVsCockatiel)} cockatiel${slowVsCockatiel > 1 ? ': the two clock reads are why slow-call tracking is off by default' : ''}; with a 60 s time window (one clock read) ${times(timeVsCockatiel)}.`,
        `Idle native breaker: ${fmt(nativeMem.bytes, 0)} bytes (target ≤ 1,024): ${pass(nativeMem.bytes <= 1024)}; ${nativeMem.timers} timers for ${BREAKERS.toLocaleString('en-US')} breakers (target 0): ${pass(nativeMem.timers === 0)}. opossum keeps ${opossumMem.timers.toLocaleString('en-US')} timers with its defaults and ${opossumLeanMem.timers.toLocaleString('en-US')} as the adapter configures it (bucket rotation, plus snapshots by default; a shared \`rotateBucketController\` removes the rotation timer), all unref'd.`,
        `Open circuit: native \`execute()\` rejects in ${times(rejectVsCockatiel)} cockatiel's time, \`tryExecute()\` refuses in ${times(outcomeVsCockatiel)} (target ≤ 0.1×): ${pass(rejectVsCockatiel <= 0.1)} for \`execute()\`, ${pass(outcomeVsCockatiel <= 0.1)} for the outcome path.`,
        'The adapter row measures `OpossumBreaker` from the built `@switchyard/core/opossum` entry.',
        next
          ? `Against the newer majors: per call native is ${times(pairedRatio(calls, NATIVE, OPOSSUM_10_LEAN))} ${next.opossumName} as the adapter would run it, ${times(pairedRatio(calls, NATIVE, OPOSSUM_10))} with its defaults, and ${times(pairedRatio(calls, NATIVE, COCKATIEL_4))} ${next.cockatielName}; open, \`execute()\` rejects in ${times(pairedRatio(rejections, NATIVE_REJECT, next.cockatielName))} ${next.cockatielName}'s time. (\`OpossumBreaker\` wraps the opossum installed here, 9; its peer range also allows 10.)`
          : NEXT_MAJORS_NOTE,
      ],
    };
  },
};

export default suite;
