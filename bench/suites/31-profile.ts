// Where the CPU goes for raw fetch and for client.fetch: each runs a bounded number of
// requests in a child process under `node --cpu-prof` against a backend in another
// child, and the .cpuprofile is summarised into self time by category and by function.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, type Suite, type Table } from '../harness.js';
import { forkWorker, stopChild } from '../support/children.js';
import { CATEGORIES, type CpuProfile, type ProfileSummary, summarizeProfile } from '../support/cpuprofile.js';

const REQUESTS = 20_000;
const CONCURRENCY = 16;
/** µs between samples: finer than the 1 ms default, so a few-second run gets enough samples. */
const INTERVAL_US = 200;
const TOP = 8;

const VARIANTS = [
  { name: 'raw fetch', key: 'fetch' },
  { name: 'client.fetch (no-op OTel API)', key: 'client.fetch' },
] as const;

interface Profiled {
  readonly name: string;
  readonly summary: ProfileSummary;
  readonly seconds: number;
}

/** Runs the profiled caller to completion and returns its profile, summarised over the measured window. */
async function profileOne(
  key: string,
  backendPort: number,
  dir: string,
): Promise<ProfileSummary & { seconds: number }> {
  const { child, first } = await forkWorker<{ startUs: number; endUs: number }>('profileCaller.mjs', {
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
  return { ...summarizeProfile(profile, first), seconds: (first.endUs - first.startUs) / 1e6 };
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
    const profiled: Profiled[] = [];
    try {
      const { child: backend, first } = await forkWorker<{ port: number }>('plainServer.mjs');
      try {
        for (const v of VARIANTS) {
          const dir = join(root, v.key);
          const { seconds, ...summary } = await profileOne(v.key, first.port, dir);
          profiled.push({ name: v.name, summary, seconds });
        }
      } finally {
        await stopChild(backend);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }

    const [fetchP, clientP] = profiled as [Profiled, Profiled];
    const perRequestUs = (p: Profiled) => (cpuMs(p.summary) * 1000) / REQUESTS;
    const totals: Table = {
      title: `Sampled CPU of the calling process (${REQUESTS.toLocaleString('en-US')} requests, concurrency ${CONCURRENCY}, sampled every ${INTERVAL_US} µs)`,
      columns: ['variant', 'wall s', 'req/s', 'sampled CPU ms (not idle)', 'CPU µs/request', 'window'],
      rows: profiled.map((p) => [
        p.name,
        fmt(p.seconds, 2),
        fmt(REQUESTS / p.seconds, 0),
        fmt(cpuMs(p.summary), 0),
        fmt(perRequestUs(p), 1),
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
            : [share(ms, cpuMs(p.summary)), fmt((ms * 1000) / REQUESTS, 1)];
        }),
      ]),
    };
    const extra = perRequestUs(clientP) - perRequestUs(fetchP);
    const switchyardUs = ((clientP.summary.byCategory.get('Switchyard') ?? 0) * 1000) / REQUESTS;
    return {
      title: 'CPU profiles: raw fetch vs client.fetch',
      description: `
Each variant runs in its own child process under \`node --cpu-prof\`: ${REQUESTS.toLocaleString('en-US')} GETs
(${CONCURRENCY} in flight, each reading the whole body) to a plain \`node:http\` backend in another child, after
2,000 warm-up requests. Both callers import the same modules, and only samples taken while the measured
requests ran are counted (the child reports that window on \`process.hrtime\`, the profile's clock), so start-up
and warm-up are left out. Each sample is charged the time until the next one. Categories come from the
sampled function's script: Switchyard (\`packages/*/dist\` or \`src\`), undici (\`node:internal/deps/undici\` or
\`node_modules/undici\`), other \`node:\` internals, V8's \`(garbage collector)\`, \`(idle)\` (waiting on the
backend), and the rest (\`(program)\`, native builtins without a script, the bench worker). One profile per
variant, so read the split, not the third digit.
`,
      tables: [totals, categories, topTable(fetchP), topTable(clientP)],
      notes: [
        `client.fetch takes ${fmt(perRequestUs(clientP), 1)} µs of sampled CPU per request against raw fetch's ${fmt(perRequestUs(fetchP), 1)} µs (${extra >= 0 ? '+' : ''}${fmt(extra, 1)} µs); ${fmt(switchyardUs, 1)} µs per request is self time in Switchyard's own code.`,
      ],
    };
  },
};

export default suite;
