import { PerformanceObserver } from 'node:perf_hooks';

/** One table of results. Cells are preformatted strings or numbers. */
export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | number>>;
}

/** What a suite reports: prose around its tables, written verbatim into docs/benchmarks.md. */
export interface Section {
  readonly title: string;
  /** Markdown explaining the setup and the targets. */
  readonly description: string;
  readonly tables: readonly Table[];
  /** Markdown with conclusions computed from this run (ratios, pass/fail against targets). */
  readonly notes?: readonly string[];
}

/** A benchmark suite: `bench/suites/<order>-<name>.ts` default-exports one. */
export interface Suite {
  readonly name: string;
  run(): Promise<Section>;
}

export interface Timing {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Nanoseconds per operation: runs `body(ops)` (which must do `ops` operations in a
 * tight loop) `runs` times after a warm-up, and reports the median, min and max.
 */
export function nsPerOp(body: (ops: number) => void, ops: number, runs = 7): Timing {
  body(Math.min(ops, 100_000));
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    body(ops);
    samples.push(Number(process.hrtime.bigint() - start) / ops);
  }
  return summarize(samples);
}

/** Same as nsPerOp for asynchronous bodies. */
export async function nsPerOpAsync(body: (ops: number) => Promise<void>, ops: number, runs = 7): Promise<Timing> {
  await body(Math.min(ops, 10_000));
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    await body(ops);
    samples.push(Number(process.hrtime.bigint() - start) / ops);
  }
  return summarize(samples);
}

/**
 * Runs every variant once per round, round after round, after one warm-up run each, so
 * drift on a busy machine hits all of them alike. Index r of every list is from round r;
 * the heap is collected before each run when node runs with --expose-gc.
 */
export async function interleaved<T>(
  variants: ReadonlyArray<{ readonly name: string; readonly run: () => Promise<T> }>,
  rounds: number,
): Promise<Map<string, T[]>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (const v of variants) await v.run();
  const results = new Map<string, T[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const v of variants) {
      gc?.();
      results.get(v.name)?.push(await v.run());
    }
  }
  return results;
}

/** a[r] / b[r] for every round r: a ratio taken within rounds is robust to load that changes between them. */
export function roundRatios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, r) => value / (b[r] ?? Number.NaN));
}

export function summarize(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), min: sorted[0] ?? Number.NaN, max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** Quantile of an ascending array by nearest rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

/** Start times (performance.now) of garbage collections seen so far. */
const gcStarts: number[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcStarts.push(entry.startTime);
}).observe({ entryTypes: ['gc'] });

/**
 * Heap bytes allocated per operation over `ops` operations. Run node with
 * `--expose-gc --max-semi-space-size=128` so no scavenge hides allocations; when a
 * collection does happen during the measurement, `gcDuringRun` says so (the one forced
 * just before measuring is not counted: entries are matched by start time).
 */
export async function bytesPerOp(
  body: (ops: number) => void,
  ops: number,
): Promise<{ bytes: number; gcDuringRun: boolean }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('bytesPerOp needs node --expose-gc');
  body(Math.min(ops, 10_000));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  const startedAt = performance.now();
  const before = process.memoryUsage().heapUsed;
  body(ops);
  const after = process.memoryUsage().heapUsed;
  const endedAt = performance.now();
  // GC entries are delivered asynchronously; give the observer a turn before looking.
  await new Promise((resolve) => setTimeout(resolve, 10));
  const gcDuringRun = gcStarts.some((t) => t >= startedAt && t <= endedAt);
  return { bytes: Math.max(0, (after - before) / ops), gcDuringRun };
}

export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratio(value: number, reference: number): string {
  return `${fmt(value / reference, 2)}×`;
}

export function toMarkdown(table: Table): string {
  const head = `| ${table.columns.join(' | ')} |`;
  const rule = `| ${table.columns.map(() => '---').join(' | ')} |`;
  const body = table.rows.map((row) => `| ${row.join(' | ')} |`);
  return [`**${table.title}**`, '', head, rule, ...body].join('\n');
}

export function printTable(table: Table): void {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells: ReadonlyArray<string | number>) =>
    cells.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join('  ');
  console.log(`\n${table.title}`);
  console.log(line(table.columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table.rows) console.log(line(row));
}
