import { type Balancer, type Clock, createInstance, type Instance } from '@switchyard/core';
import { type RandomSource, seededRandom } from '../../packages/core/src/internal.js';
import { quantile } from '../harness.js';
import { EventQueue } from './EventQueue.js';
import { exponential } from './exponential.js';

/** One run of the tail-latency simulation. Every strategy gets the same scenario and seed. */
export interface TailScenario {
  /** Number of instances; instance 0 is the slow one. */
  readonly instances: number;
  /** How many times longer instance 0 takes to serve a request. */
  readonly slowFactor: number;
  /** Mean service time of a healthy instance (exponentially distributed). */
  readonly meanServiceMs: number;
  /** Requests an instance serves at once (FCFS queue in front); 1 = M/M/1. */
  readonly concurrency: number;
  /** Poisson arrival rate of the whole client population. */
  readonly arrivalsPerSecond: number;
  readonly requests: number;
  /** Requests at the start left out of the statistics while queues and estimates settle. */
  readonly warmupRequests: number;
  /** Distinct routing keys, for consistent hashing. */
  readonly keys: number;
  readonly seed: number;
}

export interface TailResult {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly mean: number;
  readonly max: number;
  /** Fraction of measured requests sent to the slow instance. */
  readonly slowShare: number;
}

export type BalancerFactory = (clock: Clock, random: RandomSource) => Balancer;

class VirtualClock implements Clock {
  time = 0;
  now(): number {
    return this.time;
  }
}

interface Completion {
  readonly instance: Instance;
  readonly latencyMs: number;
}

/**
 * Discrete-event simulation in virtual time: Poisson arrivals, each request picked by
 * the balancer under test and queued FCFS at its instance; a request's latency is its
 * wait plus its service time. Completions are fed back through onCallEnd at the
 * moment they happen, so adaptive balancers see exactly what a real client would.
 * Service times are drawn per request from their own stream, so every strategy sees
 * the same arrivals and the same request sizes.
 */
export function simulateTail(scenario: TailScenario, makeBalancer: BalancerFactory): TailResult {
  const clock = new VirtualClock();
  const balancer = makeBalancer(clock, seededRandom(scenario.seed * 7 + 3));
  const arrivals = seededRandom(scenario.seed * 7);
  const sizes = seededRandom(scenario.seed * 7 + 1);
  const keyPicks = seededRandom(scenario.seed * 7 + 2);
  const list = Array.from({ length: scenario.instances }, (_, i) =>
    createInstance({ id: `node-${i}`, host: '10.0.0.1', port: 9000 + i }, 'sim'),
  );
  const indexOf = new Map(list.map((instance, i) => [instance, i]));
  const contexts = Array.from({ length: scenario.keys }, (_, k) => ({ service: 'sim', key: `user-${k}` }));
  const freeAt = new Float64Array(scenario.instances * scenario.concurrency);
  const pending = new EventQueue<Completion>();
  const measured = scenario.requests - scenario.warmupRequests;
  const latencies = new Float64Array(measured);
  const meanGapMs = 1000 / scenario.arrivalsPerSecond;
  let now = 0;
  let slow = 0;
  let sum = 0;

  for (let r = 0; r < scenario.requests; r++) {
    now += exponential(arrivals, meanGapMs);
    while (pending.peekTime() <= now) {
      clock.time = pending.peekTime();
      const done = pending.pop();
      balancer.onCallEnd?.(done.instance, { latencyMs: done.latencyMs, ok: true });
    }
    clock.time = now;
    const ctx = contexts[Math.floor(keyPicks() * scenario.keys)] as (typeof contexts)[number];
    const instance = balancer.pick(list, ctx);
    balancer.onCallStart?.(instance);
    const index = indexOf.get(instance) as number;
    const service = exponential(sizes, scenario.meanServiceMs) * (index === 0 ? scenario.slowFactor : 1);
    // FCFS over `concurrency` servers: the request takes the server that frees up first.
    let server = index * scenario.concurrency;
    for (let s = server + 1; s < (index + 1) * scenario.concurrency; s++) {
      if ((freeAt[s] as number) < (freeAt[server] as number)) server = s;
    }
    const end = Math.max(now, freeAt[server] as number) + service;
    freeAt[server] = end;
    const latencyMs = end - now;
    pending.push(end, { instance, latencyMs });
    if (r >= scenario.warmupRequests) {
      latencies[r - scenario.warmupRequests] = latencyMs;
      sum += latencyMs;
      if (index === 0) slow++;
    }
  }
  latencies.sort();
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    p999: quantile(latencies, 0.999),
    mean: sum / measured,
    max: latencies[measured - 1] as number,
    slowShare: slow / measured,
  };
}
