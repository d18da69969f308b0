import { type Clock, type RandomSource, systemClock } from '../common/Clock.js';
import { finiteNumber } from '../common/validate.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { Instance } from '../registry/Instance.js';
import type { Balancer, CallOutcome, PickContext } from './Balancer.js';
import { balancerOptions, clockOption, randomOption } from './balancerOptions.js';
import { IndexSource } from './IndexSource.js';
import { InstanceStates } from './InstanceStates.js';
import { TwoChoices } from './TwoChoices.js';

export interface PeakEwmaOptions {
  /** Time constant of the decay in ms: an observation's weight falls by 1/e every `decayMs`. Default 10 000 (Finagle, Linkerd). */
  readonly decayMs?: number;
  /**
   * Latency estimate in ms for an instance with no completed call yet. Default: none,
   * which is Finagle's rule: such an instance costs 0 while idle (so it gets a first
   * probe at once) and a huge penalty while that probe is outstanding (so it gets
   * one, not a herd). Set it (Linkerd uses 30) to treat new instances as "this fast".
   */
  readonly defaultRttMs?: number;
  /** Clock in ms; inject a fake one to drive time in tests. Default `performance.now()`. */
  readonly clock?: Clock;
  /** Source of randomness for choosing the two candidates. Default: an allocation-free mulberry32 seeded from `Math.random`. */
  readonly random?: RandomSource;
}

export const PEAK_EWMA_DEFAULT_DECAY_MS = 10_000;

/** Cost of an instance with no history and a call in flight (Finagle: `Long.MaxValue >> 16` ns). */
const PENALTY = 1e12;

interface EwmaState {
  pending: number;
  /** Latency estimate in ms as of `stamp`; negative until the first call completes. */
  rtt: number;
  stamp: number;
}

/**
 * Peak-EWMA with power of two choices, as in Finagle and Linkerd: sample two eligible
 * instances and take the cheaper, where cost = latency estimate × (pending + 1) / weight.
 *
 * The estimate is an exponentially weighted moving average of call latencies whose
 * memory fades with elapsed time rather than call count (w = e^(−Δt/decayMs)), so it
 * means the same at 10 and at 10 000 calls per second. It is peak-sensitive: a
 * latency above the current estimate replaces it at once, so a slowdown is noticed on
 * the first slow reply and forgotten only gradually; a lower latency pulls the
 * estimate towards it by 1 − w. Between replies the estimate decays towards 0 (as if
 * zero-latency replies arrived, like Finagle's and tower's), computed lazily at pick
 * time, so a shunned instance is probed again. Failed calls count as at least the
 * current estimate: failing fast must not make an instance look attractive.
 */
export class PeakEwmaBalancer implements Balancer {
  readonly name = 'peak-ewma';
  private readonly decayMs: number;
  private readonly defaultRttMs: number;
  private readonly clock: Clock;
  private readonly choices: TwoChoices;
  private readonly costs = new Float64Array(2);
  private readonly states = new InstanceStates<EwmaState>(() => ({ pending: 0, rtt: -1, stamp: 0 }));

  constructor(options?: PeakEwmaOptions) {
    const o = balancerOptions('peakEwma', options, ['decayMs', 'defaultRttMs', 'clock', 'random']);
    this.decayMs = o.decayMs === undefined ? PEAK_EWMA_DEFAULT_DECAY_MS : positive('peakEwma.decayMs', o.decayMs);
    this.defaultRttMs = o.defaultRttMs === undefined ? -1 : finiteNumber('peakEwma.defaultRttMs', o.defaultRttMs, 0);
    this.clock = clockOption('peakEwma.clock', o.clock, systemClock);
    this.choices = new TwoChoices(new IndexSource(randomOption('peakEwma.random', o.random)));
  }

  pick(instances: readonly Instance[], ctx: PickContext): Instance {
    const only = this.choices.sample(instances, ctx);
    if (only !== undefined) return only;
    const a = this.choices.first as Instance;
    const b = this.choices.second as Instance;
    const sa = this.states.get(a);
    const sb = this.states.get(b);
    // Costs go through a scratch array: a double returned from a call V8 does not inline is boxed.
    this.writeUndecayedCost(sa, 0);
    this.writeUndecayedCost(sb, 1);
    let costA = this.costs[0] as number;
    let costB = this.costs[1] as number;
    const historyA = sa !== undefined && sa.rtt >= 0;
    const historyB = sb !== undefined && sb.rtt >= 0;
    if (historyA && historyB) {
      // Both estimates decay by e^(−(now − stamp)/decayMs) and only their ratio matters, so
      // scale b by e^((stampB − stampA)/decayMs): no clock read on the hot path.
      costB *= Math.exp(Math.min((sb.stamp - sa.stamp) / this.decayMs, 700));
    } else if (historyA !== historyB && this.defaultRttMs >= 0) {
      // A default estimate does not decay; compare it with the other's estimate as of now.
      // (Finagle's rule needs no clock: 0 beats any estimate, the penalty loses to any.)
      const now = this.clock.now();
      if (historyA) costA *= decayFactor(sa, now, this.decayMs);
      else if (historyB) costB *= decayFactor(sb, now, this.decayMs);
    }
    if (this.choices.allZero || a.weight === b.weight) return costA <= costB ? a : b;
    return costA * b.weight <= costB * a.weight ? a : b;
  }

  onCallStart(instance: Instance): void {
    this.states.getOrCreate(instance).pending++;
  }

  onCallEnd(instance: Instance, outcome: CallOutcome): void {
    const state = this.states.get(instance);
    if (state === undefined) return; // forgotten by retain while the call was in flight
    if (state.pending > 0) state.pending--;
    // The caller's reading when it is on our clock: a clock read makes a heap number on Node 20 and 22.
    const ended = outcome.endMs;
    const now = ended !== undefined && outcome.clock === this.clock ? ended : this.clock.now();
    // A NaN or infinite latency from a buggy caller must not poison the estimate for good.
    const latency = Number.isFinite(outcome.latencyMs) ? Math.max(outcome.latencyMs, 0) : 0;
    if (state.rtt < 0) {
      state.rtt = latency;
      state.stamp = now;
      return;
    }
    // w is how much of the estimate survives the time since the last update; the
    // visible estimate has decayed by w, and a lower sample pulls it by 1 − w.
    const w = decayFactor(state, now, this.decayMs);
    const estimate = state.rtt * w;
    const sample = outcome.ok || latency > estimate ? latency : estimate;
    state.rtt = sample > estimate ? sample : estimate * w + sample * (1 - w);
    state.stamp = now;
  }

  retain(live: readonly Instance[]): void {
    this.states.retain(live);
  }

  /** The current cost of `instance` (estimate × (pending + 1), before weighting), for tests and diagnostics. */
  cost(instance: Instance): number {
    const state = this.states.get(instance);
    this.writeUndecayedCost(state, 0);
    const cost = this.costs[0] as number;
    return state !== undefined && state.rtt >= 0 ? cost * decayFactor(state, this.clock.now(), this.decayMs) : cost;
  }

  /** Cost as of the last update: rtt × (pending + 1), or the no-history rule. */
  private writeUndecayedCost(state: EwmaState | undefined, slot: number): void {
    const pending = state === undefined ? 0 : state.pending;
    let cost: number;
    if (state !== undefined && state.rtt >= 0) cost = state.rtt * (pending + 1);
    else if (this.defaultRttMs >= 0) cost = this.defaultRttMs * (pending + 1);
    else cost = pending === 0 ? 0 : PENALTY + pending;
    this.costs[slot] = cost;
  }
}

/** How much of `state`'s estimate survives until `now`. */
function decayFactor(state: EwmaState, now: number, decayMs: number): number {
  return now > state.stamp ? Math.exp((state.stamp - now) / decayMs) : 1;
}

function positive(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(option, 'a finite number > 0', value);
  }
  return value;
}
