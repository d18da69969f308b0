// Issue 8, "smaller divergences from the docs": the opossum adapter.
import { SlidingWindowBreaker } from '@switchyard/core';
import { describe, expect, it, vi } from 'vitest';
import type { OpossumBreaker } from '../../src/opossum.js';
import { useOpossumBreakers } from './opossumBreakers.js';
import { type Deferred, deferred, FakeClock, fail, succeed, transitions } from './support.js';

const make = useOpossumBreakers();

/** Starts `n` calls that settle only when the test says so. */
function inFlight(breaker: OpossumBreaker, n: number): { gates: Deferred<string>[]; calls: Promise<unknown>[] } {
  const gates = Array.from({ length: n }, () => deferred<string>());
  const calls = gates.map((gate) => breaker.execute(() => gate.promise).catch((error: unknown) => error));
  return { gates, calls };
}

describe('divergence: OpossumBreaker.reset() keeps in-flight outcomes', () => {
  it('does not count the outcomes of calls started before reset()', async () => {
    const breaker = make();
    const { gates, calls } = inFlight(breaker, 10);
    breaker.reset();
    await succeed(breaker, 5);
    for (const gate of gates) gate.reject(new Error('late failure'));
    const results = await Promise.all(calls);
    expect(results.every((e) => (e as Error).message === 'late failure')).toBe(true); // callers still get them
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', calls: 5, failures: 0, failureRate: 0 });
    expect(breaker.opossum.stats.successes).toBe(5);
  });

  it('a late success is handed to its caller but counted nowhere', async () => {
    const breaker = make();
    const { gates, calls } = inFlight(breaker, 3);
    breaker.reset();
    for (const gate of gates) gate.resolve('late');
    expect(await Promise.all(calls)).toEqual(['late', 'late', 'late']);
    expect(breaker.opossum.stats).toMatchObject({ fires: 0, successes: 0, failures: 0 });
  });

  it('a late outcome neither closes nor re-opens a half-open circuit', async () => {
    const breaker = make();
    const early = inFlight(breaker, 2);
    breaker.reset();
    await fail(breaker, 2);
    vi.advanceTimersByTime(1_000);
    expect(breaker.state).toBe('half-open');
    const events = transitions(breaker);
    early.gates[0]?.resolve('late');
    early.gates[1]?.reject(new Error('late failure'));
    expect(await Promise.all(early.calls)).toMatchObject(['late', { message: 'late failure' }]);
    expect(breaker.state).toBe('half-open');
    expect(breaker.admits()).toBe(true); // the probe permit is still free
    expect(events.list).toEqual([]);
    await succeed(breaker, 1); // a real probe decides
    expect(events.list).toEqual(['half-open>closed']);
  });

  it("a late call that hits opossum's own timeout is not counted either", async () => {
    const breaker = make({ timeout: 50 });
    const { calls } = inFlight(breaker, 1);
    breaker.reset();
    vi.advanceTimersByTime(50);
    expect(await calls[0]).toMatchObject({ code: 'ETIMEDOUT' });
    expect(breaker.opossum.stats).toMatchObject({ fires: 0, timeouts: 0, successes: 0, failures: 0 });
  });

  it('calls started after reset() count as usual', async () => {
    const breaker = make();
    breaker.reset();
    const { gates, calls } = inFlight(breaker, 2);
    for (const gate of gates) gate.reject(new Error('fresh failure'));
    await Promise.all(calls);
    expect(breaker.snapshot()).toMatchObject({ state: 'open', calls: 2, failures: 2 });
  });
});

describe('divergence: rollingPercentilesEnabled: false has no effect on opossum 9', () => {
  const latencies = (breaker: OpossumBreaker): number =>
    breaker.opossum.status.window.reduce((n, bucket) => n + bucket.latencyTimes.length, 0);

  it('records no latency per call by default (opossum 9 pushed every one into the bucket)', async () => {
    const breaker = make({ volumeThreshold: 10_000 });
    await succeed(breaker, 1_000);
    await fail(breaker, 1_000);
    expect(latencies(breaker)).toBe(0);
    expect(breaker.opossum.stats).toMatchObject({ successes: 1_000, failures: 1_000, latencyMean: -1 });
  });

  it('still records them when asked to, and computes the percentiles', async () => {
    const breaker = make({ rollingPercentilesEnabled: true });
    await succeed(breaker, 100);
    expect(latencies(breaker)).toBe(100);
    expect(breaker.opossum.stats.latencyMean).toBe(0); // fake Date: every call took 0 ms
  });
});

describe("divergence: opossum's undocumented differences from the native breaker", () => {
  it('a success never trips it: only a failure makes opossum check the rate', async () => {
    const breaker = make({ volumeThreshold: 4, errorThresholdPercentage: 50 });
    await fail(breaker, 3); // 3 fires: below the volume threshold, no check
    await succeed(breaker, 1); // 3 of 4 failed (75%), but a success is never checked
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', calls: 4, failures: 3, failureRate: 75 });
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');

    // The native breaker checks after every outcome, so the same four calls open it.
    const native = new SlidingWindowBreaker({ minimumNumberOfCalls: 4, clock: new FakeClock() });
    await fail(native, 3);
    await succeed(native, 1);
    expect(native.state).toBe('open');
  });

  it('in-flight calls count toward volumeThreshold: one finished failure can open it', async () => {
    const breaker = make({ volumeThreshold: 2, errorThresholdPercentage: 40 });
    const { gates, calls } = inFlight(breaker, 1); // a fire that has not finished
    await fail(breaker, 1); // 1 failure of 2 fires = 50% > 40%, volume reached
    expect(breaker.snapshot()).toMatchObject({ state: 'open', calls: 2, failures: 1, inFlight: 1 });
    gates[0]?.resolve('ok');
    await Promise.all(calls);

    // The native breaker counts finished calls only: one failure is below a minimum of 2.
    const native = new SlidingWindowBreaker({
      minimumNumberOfCalls: 2,
      failureRateThreshold: 40,
      clock: new FakeClock(),
    });
    const pending = deferred<string>();
    const slow = native.execute(() => pending.promise);
    await fail(native, 1);
    expect(native.snapshot()).toMatchObject({ state: 'closed', calls: 1, failureRate: -1 });
    pending.resolve('ok');
    await slow;
  });

  it('in-flight calls also dilute the rate: they are fires without a failure yet', async () => {
    const breaker = make({ volumeThreshold: 2, errorThresholdPercentage: 50 });
    const { gates, calls } = inFlight(breaker, 8);
    await fail(breaker, 2); // 2 of 10 fires
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failureRate: 20 });
    for (const gate of gates) gate.resolve('ok');
    await Promise.all(calls);
  });
});
