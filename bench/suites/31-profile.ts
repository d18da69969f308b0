// Where the CPU goes for raw fetch and for client.fetch: each runs a bounded number of
// requests in a child process under `node --cpu-prof` against a backend in another
// child, and the .cpuprofile is summarised into self time by category and by function.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, type Suite, type Table } from '../harness.js';
import { forkWorker, stopChild } from '../support/children.js';
import {
  CATEGORIES,
  type CpuProfile,
  mergeSummaries,
  type ProfileSummary,
  summarizeProfile,
} from '../support/cpuprofile.js';

const REQUESTS = 20_000;
const CONCURRENCY = 16;
/** µs between samples: finer than the 1 ms default, so a few-second run gets enough samples. */
const INTERVAL_US = 200;
const TOP = 8;
/** Profiles per variant, in A B B A order so neither always runs first on a cold backend; summed. */
const RUNS = 2;

const VARIANTS = [
  { name: 'raw fetch', key: 'fetch' },
  { name: 'client.fetch (no-op OTel API)', key: 'client.fetch' },
] as const;

interface Profiled {
  readonly name: string;
  readonly summary: ProfileSummary;
  /** Over all runs of the variant. */
  readonly seconds: number;
  /** The process's own CPU (process.cpuUsage, all threads) over the measured windows. */
  readonly cpuUs: number;
}

interface Run {
  readonly summary: ProfileSummary;
  readonly seconds: number;
  readonly cpuUs: number;
}

/** Runs the profiled caller to completion and returns its profile, summarised over the measured window. */
async function profileOne(key: string, backendPort: number, dir: string): Promise<Run> {
  const { child, first } = await forkWorker<{ startUs: number; endUs: number; cpuUs: number }>('profileCaller.mjs', {
    args: [key, String(backendPort), String(REQUESTS), String(CONCURRENCY)],
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${INTERVAL_US}`],
    timeoutMs: 120_000,
  });
  try {
    // The profile is written as the child exits, which it does by itself after answering.
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    }
  } finally {
    await stopChild(child);
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile written for ${key}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  return {
    summary: summarizeProfile(profile, first),
    seconds: (first.endUs - first.startUs) / 1e6,
    cpuUs: first.cpuUs,
  };
}

const cpuMs = (s: ProfileSummary) => s.totalMs - (s.byCategory.get('idle') ?? 0);
const share = (part: number, whole: number) => `${fmt((100 * part) / whole, 1)} %`;

function topTable(p: Profiled): Table {
  return {
    title: `${p.name}: top ${TOP} functions by self time`,
    columns: ['function', 'category', 'self ms', 'share of CPU'],
    rows: p.summary.functions
      .slice(0, TOP)
      .map((f) => [f.name.replaceAll('|', '\\|'), f.category, fmt(f.selfMs, 1), share(f.selfMs, cpuMs(p.summary))]),
  };
}

const suite: Suite = {
  name: 'profile',
  async run() {
    const root = mkdtempSync(join(tmpdir(), 'switchyard-cpuprof-'));
    const runs = new Map<string, Run[]>(VARIANTS.map((v) => [v.name, []]));
    try {
      const { child: backend, first } = await forkWorker<{ port: number }>('plainServer.mjs');
      try {
        for (let r = 0; r < RUNS; r++) {
          for (const v of r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
            runs.get(v.name)?.push(await profileOne(v.key, first.port, join(root, `${v.key}-${r}`)));
          }
        }
      } finally {
        await stopChild(backend);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }

    const profiled: Profiled[] = VARIANTS.map((v) => {
      const list = runs.get(v.name) ?? [];
      return {
        name: v.name,
        summary: mergeSummaries(list.map((x) => x.summary)),
        seconds: list.reduce((sum, x) => sum + x.seconds, 0),
        cpuUs: list.reduce((sum, x) => sum + x.cpuUs, 0),
      };
    });
    const [fetchP, clientP] = profiled as [Profiled, Profiled];
    const total = REQUESTS * RUNS;
    const perRequestUs = (p: Profiled) => (cpuMs(p.summary) * 1000) / total;
    const totals: Table = {
      title: `CPU of the calling process (${RUNS} runs × ${REQUESTS.toLocaleString('en-US')} requests, concurrency ${CONCURRENCY}, sampled every ${INTERVAL_US} µs)`,
      columns: [
        'variant',
        'wall s',
        'req/s',
        'sampled ms (not idle)',
        'sampled µs/request',
        'process CPU µs/request (cpuUsage)',
        'window',
      ],
      rows: profiled.map((p) => [
        p.name,
        fmt(p.seconds, 2),
        fmt(total / p.seconds, 0),
        fmt(cpuMs(p.summary), 0),
        fmt(perRequestUs(p), 1),
        fmt(p.cpuUs / total, 1),
        p.summary.windowed ? 'measured requests only' : 'whole process (window not found)',
      ]),
    };
    const categories: Table = {
      title: 'Self time by category (share of sampled CPU, idle excluded; idle as a share of all samples)',
      columns: ['category', ...profiled.flatMap((p) => [`${p.name} share`, `${p.name} µs/request`])],
      rows: CATEGORIES.map((c) => [
        c,
        ...profiled.flatMap((p) => {
          const ms = p.summary.byCategory.get(c) ?? 0;
          return c === 'idle'
            ? [share(ms, p.summary.totalMs), '–']
            : [share(ms, cpuMs(p.summary)), fmt((ms * 1000) / total, 1)];
        }),
      ]),
    };
    const extra = perRequestUs(clientP) - perRequestUs(fetchP);
    const switchyardUs = ((clientP.summary.byCategory.get('Switchyard') ?? 0) * 1000) / total;
    const cpuExtra = (clientP.cpuUs - fetchP.cpuUs) / total;
    return {
      title: 'CPU profiles: raw fetch vs client.fetch',
      description: `
Each variant runs ${RUNS} times (order A B B A), each in its own child process under \`node --cpu-prof\`:
${REQUESTS.toLocaleString('en-US')} GETs (${CONCURRENCY} in flight, each reading the whole body) to a plain \`node:http\`
backend in another child, after 2,000 warm-up requests; the runs' profiles are added up. Both callers import
the same modules, and only samples taken while the measured requests ran are counted (the child reports that window on \`process.hrtime\`, the profile's clock), so start-up
and warm-up are left out. Each sample is charged the time until the next one. Categories come from the
sampled function's script: Switchyard (\`packages/*/dist\` or \`src\`), undici (\`node:internal/deps/undici\` or
\`node_modules/undici\`), other \`node:\` internals, V8's \`(garbage collector)\`, \`(idle)\` (waiting on the
backend), and the rest (\`(program)\`, native builtins without a script, the bench worker).
The profiler samples on a wall clock, so on a busy machine time the thread spent descheduled is charged to
whatever was on the stack; "process CPU" (\`process.cpuUsage()\` over the same window, all threads, GC helpers
included) is the check on that. Read the split, not the third digit.
`,
      tables: [totals, categories, topTable(fetchP), topTable(clientP)],
      notes: [
        `client.fetch takes ${fmt(perRequestUs(clientP), 1)} µs of sampled time per request against raw fetch's ${fmt(perRequestUs(fetchP), 1)} µs (${extra >= 0 ? '+' : ''}${fmt(extra, 1)} µs; by \`process.cpuUsage()\` ${cpuExtra >= 0 ? '+' : ''}${fmt(cpuExtra, 1)} µs); ${fmt(switchyardUs, 1)} µs per request is self time in Switchyard's own code.`,
      ],
    };
  },
};

export default suite;
