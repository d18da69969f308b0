import { type Instance, PeakEwmaBalancer, RoundRobinBalancer } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { FakeClock, instances, seededRandom } from './support.js';

const ctx = { service: 'svc' };
const DECAY = 10_000;

function ended(balancer: PeakEwmaBalancer, instance: Instance, latencyMs: number, ok = true): void {
  balancer.onCallStart(instance);
  balancer.onCallEnd(instance, { latencyMs, ok });
}

describe('PeakEwmaBalancer estimator', () => {
  it('uses Finagle’s rule for an instance with no history: free while idle, penalised while its probe is out', () => {
    const clock = new FakeClock();
    const balancer = new PeakEwmaBalancer({ clock });
    const [fresh] = instances(1) as [Instance];
    expect(balancer.cost(fresh)).toBe(0);
    balancer.onCallStart(fresh);
    expect(balancer.cost(fresh)).toBeGreaterThan(1e9);
    clock.advance(40);
    balancer.onCallEnd(fresh, { latencyMs: 40, ok: true });
    expect(balancer.cost(fresh)).toBe(40);
  });

  it('uses defaultRttMs for an instance with no history when set', () => {
    const balancer = new PeakEwmaBalancer({ clock: new FakeClock(), defaultRttMs: 30 });
    const [fresh] = instances(1) as [Instance];
    expect(balancer.cost(fresh)).toBe(30);
    balancer.onCallStart(fresh);
    expect(balancer.cost(fresh)).toBe(60);
  });

  it('multiplies the estimate by pending + 1', () => {
    const balancer = new PeakEwmaBalancer({ clock: new FakeClock() });
    const [a] = instances(1) as [Instance];
    ended(balancer, a, 20);
    balancer.onCallStart(a);
    balancer.onCallStart(a);
    expect(balancer.cost(a)).toBe(60);
  });

  it('takes a latency above the estimate at once (peak) and a lower one gradually', () => {
    const clock = new FakeClock();
    const balancer = new PeakEwmaBalancer({ clock, decayMs: DECAY });
    const [a] = instances(1) as [Instance];
    ended(balancer, a, 10);
    clock.advance(1);
    ended(balancer, a, 100);
    expect(balancer.cost(a)).toBe(100);
    clock.advance(1);
    ended(balancer, a, 10);
    // 1 ms of a 10 s time constant: the low sample moves the estimate by only 0.01%.
    expect(balancer.cost(a)).toBeGreaterThan(99.9);
    expect(balancer.cost(a)).toBeLessThan(100);
  });

  it('decays exponentially while idle, by 1/e per decayMs', () => {
    const clock = new FakeClock();
    const balancer = new PeakEwmaBalancer({ clock, decayMs: DECAY });
    const [a] = instances(1) as [Instance];
    ended(balancer, a, 100);
    clock.advance(DECAY);
    expect(balancer.cost(a)).toBeCloseTo(100 / Math.E, 6);
    clock.advance(4 * DECAY);
    expect(balancer.cost(a)).toBeCloseTo(100 * Math.exp(-5), 6);
  });

  it('blends a lower sample into the decayed estimate by the elapsed time', () => {
    const clock = new FakeClock();
    const balancer = new PeakEwmaBalancer({ clock, decayMs: DECAY });
    const [a] = instances(1) as [Instance];
    ended(balancer, a, 100);
    clock.advance(DECAY);
    ended(balancer, a, 10);
    const w = 1 / Math.E;
    expect(balancer.cost(a)).toBeCloseTo(100 * w * w + 10 * (1 - w), 6);
    expect(balancer.cost(a)).toBeLessThan(100 * w);
  });

  it('never lets a fast failure lower the estimate', () => {
    const clock = new FakeClock();
    const balancer = new PeakEwmaBalancer({ clock, decayMs: DECAY });
    const [a] = instances(1) as [Instance];
    ended(balancer, a, 100);
    clock.advance(100);
    const before = balancer.cost(a);
    ended(balancer, a, 1, false);
    expect(balancer.cost(a)).toBeCloseTo(before, 9);
    clock.advance(1);
    ended(balancer, a, 500, false); // a slow failure still counts as a peak
    expect(balancer.cost(a)).toBe(500);
  });

  it('picks the cheaper of two candidates', () => {
    const clock = new FakeClock();
    const balancer = new PeakEwmaBalancer({ clock, random: seededRandom(4) });
    const [fast, slow] = instances(2) as [Instance, Instance];
    ended(balancer, fast, 5);
    ended(balancer, slow, 50);
    for (let i = 0; i < 20; i++) expect(balancer.pick([slow, fast], ctx)).toBe(fast);
    // Ten calls in flight make the fast one cost 55 > 50.
    for (let i = 0; i < 10; i++) balancer.onCallStart(fast);
    expect(balancer.pick([slow, fast], ctx)).toBe(slow);
  });

  it('compares estimates decayed to the same moment, without reading the clock in pick', () => {
    const clock = new FakeClock();
    let reads = 0;
    const counted = {
      now: () => {
        reads++;
        return clock.now();
      },
    };
    const balancer = new PeakEwmaBalancer({ clock: counted, random: seededRandom(5), decayMs: DECAY });
    const [older, recent] = instances(2) as [Instance, Instance];
    ended(balancer, older, 100);
    clock.advance(DECAY);
    ended(balancer, recent, 50);
    // Undecayed, 100 > 50; decayed to now, the older estimate is 100/e ≈ 37 < 50.
    reads = 0;
    for (let i = 0; i < 20; i++) expect(balancer.pick([recent, older], ctx)).toBe(older);
    expect(reads).toBe(0);
  });

  it('weighs defaultRttMs against the other estimate as of now', () => {
    const clock = new FakeClock();
    const balancer = new PeakEwmaBalancer({ clock, random: seededRandom(6), decayMs: DECAY, defaultRttMs: 30 });
    const [known, fresh] = instances(2) as [Instance, Instance];
    ended(balancer, known, 100);
    expect(balancer.pick([known, fresh], ctx)).toBe(fresh); // 100 > 30
    clock.advance(2 * DECAY);
    expect(balancer.pick([known, fresh], ctx)).toBe(known); // 100/e² ≈ 13.5 < 30
  });
});

/**
 * An open-loop run in virtual time: one call per millisecond, each finishing after
 * its instance's latency (slow instance i0, ±20% seeded jitter). Returns the share of
 * calls i0 received in each window of `windowMs`.
 */
function shareOfSlowInstance(
  balancer: {
    pick: PeakEwmaBalancer['pick'];
    onCallStart?(i: Instance): void;
    onCallEnd?: PeakEwmaBalancer['onCallEnd'];
  },
  clock: FakeClock,
  latencyOf: (instance: Instance, now: number) => number,
  durationMs: number,
  windowMs: number,
): number[] {
  const list = instances(5);
  const slow = list[0] as Instance;
  const jitter = seededRandom(99);
  const inFlight: Array<{ end: number; start: number; instance: Instance }> = [];
  const shares: number[] = [];
  let slowInWindow = 0;
  for (let now = 0; now < durationMs; now++) {
    clock.set(now);
    for (let k = inFlight.length - 1; k >= 0; k--) {
      const call = inFlight[k] as (typeof inFlight)[number];
      if (call.end > now) continue;
      inFlight.splice(k, 1);
      balancer.onCallEnd?.(call.instance, { latencyMs: now - call.start, ok: true });
    }
    const instance = balancer.pick(list, ctx);
    balancer.onCallStart?.(instance);
    const latency = Math.max(1, Math.round(latencyOf(instance, now) * (0.8 + 0.4 * jitter())));
    inFlight.push({ start: now, end: now + latency, instance });
    if (instance === slow) slowInWindow++;
    if ((now + 1) % windowMs === 0) {
      shares.push(slowInWindow / windowMs);
      slowInWindow = 0;
    }
  }
  return shares;
}

describe('PeakEwmaBalancer under load (virtual time)', () => {
  it('moves traffic away from a slow instance and back when it recovers', () => {
    const clock = new FakeClock();
    const balancer = new PeakEwmaBalancer({ clock, random: seededRandom(21), decayMs: DECAY });
    // i0 takes 50 ms for the first 30 s, then 5 ms like the others.
    const latency = (instance: Instance, now: number) => (instance.id === 'i0' && now < 30_000 ? 50 : 5);
    const shares = shareOfSlowInstance(balancer, clock, latency, 120_000, 10_000);
    // Fair share is 20%. Measured: 0.02%, 0.01%, 0.01% while slow; 11.6% in the first
    // 10 s after recovery; 19.7-20.3% from then on.
    for (const share of shares.slice(0, 3)) expect(share).toBeLessThan(0.01);
    expect(shares[3]).toBeGreaterThan(0.05);
    for (const share of shares.slice(4)) expect(share).toBeGreaterThan(0.18);
  });

  it('round-robin, for contrast, keeps sending the slow instance its 20%', () => {
    const clock = new FakeClock();
    const latency = (instance: Instance) => (instance.id === 'i0' ? 50 : 5);
    const shares = shareOfSlowInstance(new RoundRobinBalancer(), clock, latency, 20_000, 10_000);
    for (const share of shares) expect(share).toBeCloseTo(0.2, 5);
  });
});

describe('issue 10, item 6: peak-EWMA takes the end time from the caller when it is on its clock', () => {
  /** A clock that counts its readings. */
  function countingClock(start: number): { now: () => number; reads: () => number } {
    let reads = 0;
    return {
      now: () => {
        reads++;
        return start;
      },
      reads: () => reads,
    };
  }

  it("uses the outcome's endMs on its own clock, with no reading of its own", () => {
    const clock = countingClock(0);
    const balancer = new PeakEwmaBalancer({ clock });
    const [a] = instances(1) as [Instance];
    balancer.onCallStart(a);
    balancer.onCallEnd(a, { latencyMs: 40, ok: true, endMs: 1_000, clock });
    balancer.onCallStart(a);
    balancer.onCallEnd(a, { latencyMs: 40, ok: true, endMs: 1_000 + DECAY, clock });
    expect(clock.reads()).toBe(0);
    // The estimate is stamped at endMs: 40 decayed by e^-1 once the clock reads 1 000 + 2 × DECAY.
    const later = countingClock(1_000 + 2 * DECAY);
    const probe = new PeakEwmaBalancer({ clock: later });
    probe.onCallStart(a);
    probe.onCallEnd(a, { latencyMs: 40, ok: true, endMs: 1_000 + DECAY, clock: later });
    expect(probe.cost(a)).toBeCloseTo(40 * Math.exp(-1), 6);
  });

  it('reads its own clock when the outcome is on another clock, or has no endMs', () => {
    const clock = countingClock(0);
    const balancer = new PeakEwmaBalancer({ clock });
    const [a] = instances(1) as [Instance];
    balancer.onCallStart(a);
    balancer.onCallEnd(a, { latencyMs: 40, ok: true, endMs: 5_000, clock: countingClock(0) });
    balancer.onCallStart(a);
    balancer.onCallEnd(a, { latencyMs: 40, ok: true });
    expect(clock.reads()).toBe(2);
  });
});
