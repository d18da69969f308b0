// Tail latency of each balancing strategy when one of ten instances is 10× slower,
// simulated in virtual time (bench/sim/simulateTail.ts): deterministic and seeded, so
// the numbers are the same on every machine and every run.
import { BALANCER_NAMES, type BalancerName, createBalancer } from '@switchyard/core';
import { fmt, ratio, type Suite, type Table } from '../harness.js';
import { type BalancerFactory, simulateTail, type TailResult, type TailScenario } from '../sim/simulateTail.js';

const BASE = {
  instances: 10,
  slowFactor: 10,
  meanServiceMs: 1,
  concurrency: 1,
  requests: 400_000,
  warmupRequests: 40_000,
  keys: 10_000,
  seed: 20_261_125,
} as const;

/** Capacity of the fleet: nine instances at 1 000 req/s and one at 100 req/s. */
const CAPACITY = 9 * (1000 / BASE.meanServiceMs) + 1000 / (BASE.meanServiceMs * BASE.slowFactor);

interface Load {
  readonly label: string;
  readonly arrivalsPerSecond: number;
  readonly why: string;
}

const LOADS: readonly Load[] = [
  {
    label: 'light',
    arrivalsPerSecond: 500,
    why: 'the slow instance runs at 50% under round-robin',
  },
  {
    label: 'moderate (headline)',
    arrivalsPerSecond: 900,
    why: 'the slow instance runs at 90% under round-robin, still stable',
  },
  {
    label: 'heavy',
    arrivalsPerSecond: 4_550,
    why: 'half the fleet capacity: round-robin, random and consistent hash overload the slow instance (455 req/s offered, 100 served), so their queue and tail grow with the length of the run',
  },
];

function factory(name: BalancerName): BalancerFactory {
  return (clock, random) => {
    switch (name) {
      case 'random':
        return createBalancer('random', { random });
      case 'least-request':
        return createBalancer('least-request', { random });
      case 'peak-ewma':
        return createBalancer('peak-ewma', { random, clock });
      default:
        return createBalancer(name);
    }
  };
}

const ms = (value: number) => fmt(value, 2);

/**
 * The q-quantile of latency under uniform random splitting, where instance i is an
 * M/M/1 queue with sojourn time ~ Exp(mu_i - lambda_i): solves the mixture's tail for q
 * by bisection. Infinity when some instance is overloaded.
 */
function mm1MixtureQuantile(s: TailScenario, q: number): number {
  const lambda = s.arrivalsPerSecond / 1000 / s.instances; // per ms
  const rates = Array.from({ length: s.instances }, (_, i) => {
    const mu = 1 / (s.meanServiceMs * (i === 0 ? s.slowFactor : 1));
    return mu - lambda;
  });
  if (s.concurrency !== 1 || rates.some((r) => r <= 0)) return Number.POSITIVE_INFINITY;
  const tail = (t: number) => rates.reduce((sum, r) => sum + Math.exp(-r * t), 0) / s.instances;
  let lo = 0;
  let hi = 1;
  while (tail(hi) > 1 - q) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) > 1 - q) lo = mid;
    else hi = mid;
  }
  return hi;
}

const suite: Suite = {
  name: 'tail-latency',
  async run() {
    const tables: Table[] = [];
    const notes: string[] = [];
    for (const load of LOADS) {
      const scenario: TailScenario = { ...BASE, arrivalsPerSecond: load.arrivalsPerSecond };
      const results = new Map<BalancerName, TailResult>();
      for (const name of BALANCER_NAMES) results.set(name, simulateTail(scenario, factory(name)));
      const rr = results.get('round-robin') as TailResult;
      tables.push({
        title: `${load.label}: ${fmt(load.arrivalsPerSecond, 0)} req/s = ${fmt((100 * load.arrivalsPerSecond) / CAPACITY, 1)}% of fleet capacity (${load.why})`,
        columns: [
          'strategy',
          'p50 ms',
          'p99 ms',
          'p99.9 ms',
          'mean ms',
          'max ms',
          'to slow instance',
          'p99 vs round-robin',
        ],
        rows: BALANCER_NAMES.map((name) => {
          const r = results.get(name) as TailResult;
          return [
            name,
            ms(r.p50),
            ms(r.p99),
            ms(r.p999),
            ms(r.mean),
            ms(r.max),
            `${fmt(100 * r.slowShare, 2)}%`,
            ratio(r.p99, rr.p99),
          ];
        }),
      });
      const random = results.get('random') as TailResult;
      const theory = mm1MixtureQuantile(scenario, 0.99);
      if (Number.isFinite(theory)) {
        notes.push(
          `${load.label}, sanity check: random splitting keeps each instance's arrivals Poisson, so each is an M/M/1 queue ` +
            `and the p99 of the mixture is ${ms(theory)} ms in theory; simulated ${ms(random.p99)} ms.`,
        );
      }
      const ewma = results.get('peak-ewma') as TailResult;
      const p2c = results.get('least-request') as TailResult;
      const target = ewma.p99 <= 0.3 * rr.p99;
      notes.push(
        `${load.label}: peak-EWMA p99 ${ms(ewma.p99)} ms vs round-robin ${ms(rr.p99)} ms = ${ratio(ewma.p99, rr.p99)} ` +
          `(target ≤ 0.30×: ${target ? 'pass' : 'FAIL'}); least-request ${ratio(p2c.p99, rr.p99)}; ` +
          `peak-EWMA sent ${fmt(100 * ewma.slowShare, 2)}% of requests to the slow instance (fair share 10%).`,
      );
    }
    return {
      title: 'Tail latency with one slow instance (simulated)',
      description: `
Ten instances, each a single FCFS server (M/M/1): exponential service times with mean ${BASE.meanServiceMs} ms,
except instance 0, which is ${BASE.slowFactor}× slower (mean ${BASE.meanServiceMs * BASE.slowFactor} ms). Fleet capacity is
${fmt(CAPACITY, 0)} req/s. Requests arrive as a Poisson stream at a fixed rate; latency is queueing plus
service. The discrete-event simulation runs in virtual time (\`bench/sim/simulateTail.ts\`): completions are fed
back through \`onCallEnd\` at the moment they happen, peak-EWMA reads the virtual clock, and every strategy sees the
same arrivals and the same request sizes (seed ${BASE.seed}). ${fmt(BASE.requests, 0)} requests per run; the first
${fmt(BASE.warmupRequests, 0)} are left out while queues and estimates settle. Consistent hash routes ${fmt(BASE.keys, 0)}
uniformly drawn keys, so it behaves like random. All weights are equal, so \`weighted\` is round-robin here.
Peak-EWMA uses its defaults (decay 10 s, Finagle's no-history rule).

Target: peak-EWMA p99 ≤ 0.3 × round-robin p99 at the headline (moderate) load. The light load is the friendliest
case for round-robin; the heavy load is one round-robin cannot survive at all. Round-robin beats random because it
splits the Poisson stream into regular (Erlang-10) arrivals per instance, which queue less than Poisson ones.`,
      tables,
      notes,
    };
  },
};

export default suite;
