// Reads a V8 .cpuprofile (what `node --cpu-prof` writes) into self time by category and
// by function, optionally only over a time window of the run.

export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

export interface CpuProfile {
  readonly nodes: ReadonlyArray<{ readonly id: number; readonly callFrame: CallFrame }>;
  /** µs, on the same monotonic clock as process.hrtime on Linux. */
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export const CATEGORIES = [
  'Switchyard',
  'undici',
  'other Node internals',
  'V8 / GC',
  'idle',
  'program / other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export function categoryOf(frame: CallFrame): Category {
  if (frame.functionName === '(idle)') return 'idle';
  if (frame.functionName === '(garbage collector)') return 'V8 / GC';
  const url = frame.url;
  if (/\/packages\/[^/]+\/(dist|src)\//.test(url)) return 'Switchyard';
  if (url.includes('node:internal/deps/undici') || url.includes('/node_modules/undici/')) return 'undici';
  if (url.startsWith('node:')) return 'other Node internals';
  // (program), (root), native builtins without a url, other packages, the bench worker itself.
  return 'program / other';
}

export interface FunctionTime {
  readonly name: string;
  readonly category: Category;
  readonly selfMs: number;
}

export interface ProfileSummary {
  /** Sampled ms over the window, idle included. */
  readonly totalMs: number;
  readonly byCategory: ReadonlyMap<Category, number>;
  /** Every function by self time, largest first, idle left out. */
  readonly functions: readonly FunctionTime[];
  /** Whether `window` fell inside the profile and was applied (else: the whole profile). */
  readonly windowed: boolean;
}

/** "name (file:line)" with the url cut to its last two path segments. */
function label(frame: CallFrame): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  const file = frame.url
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/');
  return `${name} (${file}:${frame.lineNumber + 1})`;
}

/**
 * Self time per category and per function. Each sample is charged the interval until the
 * next one (the last, until the profile's end). With `window` (µs, same clock as
 * `startTime`), only samples taken inside it count, so start-up and warm-up are left out.
 */
export function summarizeProfile(profile: CpuProfile, window?: { startUs: number; endUs: number }): ProfileSummary {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const windowed =
    window !== undefined && window.startUs >= profile.startTime && window.endUs <= profile.endTime + 1_000;
  const byCategory = new Map<Category, number>(CATEGORIES.map((c) => [c, 0]));
  const byFunction = new Map<string, { category: Category; us: number }>();
  let totalUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const next = i + 1 < profile.samples.length ? t + (profile.timeDeltas[i + 1] ?? 0) : profile.endTime;
    if (windowed && (t < window.startUs || t > window.endUs)) continue;
    const frame = frames.get(profile.samples[i] ?? -1);
    if (frame === undefined) continue;
    const us = Math.max(0, next - t);
    const category = categoryOf(frame);
    totalUs += us;
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    if (category === 'idle') continue;
    const key = label(frame);
    const entry = byFunction.get(key) ?? { category, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  return {
    totalMs: totalUs / 1000,
    byCategory: new Map([...byCategory].map(([c, us]) => [c, us / 1000])),
    functions: [...byFunction]
      .map(([name, { category, us }]) => ({ name, category, selfMs: us / 1000 }))
      .sort((a, b) => b.selfMs - a.selfMs),
    windowed,
  };
}

/** Several runs' summaries as one: times added up, windowed only if every run was. */
export function mergeSummaries(summaries: readonly ProfileSummary[]): ProfileSummary {
  const byCategory = new Map<Category, number>(CATEGORIES.map((c) => [c, 0]));
  const byFunction = new Map<string, FunctionTime>();
  for (const s of summaries) {
    for (const [c, ms] of s.byCategory) byCategory.set(c, (byCategory.get(c) ?? 0) + ms);
    for (const f of s.functions) {
      const seen = byFunction.get(f.name);
      byFunction.set(f.name, { ...f, selfMs: f.selfMs + (seen?.selfMs ?? 0) });
    }
  }
  return {
    totalMs: summaries.reduce((sum, s) => sum + s.totalMs, 0),
    byCategory,
    functions: [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs),
    windowed: summaries.every((s) => s.windowed),
  };
}
