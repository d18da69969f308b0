// Issue 8, "smaller divergences from the docs": the native breaker's time-driven transitions.
import { SlidingWindowBreaker, type SlidingWindowBreakerOptions } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { deferred, FakeClock, fail, transitions } from './support.js';

function make(options: SlidingWindowBreakerOptions = {}): { breaker: SlidingWindowBreaker; clock: FakeClock } {
  const clock = new FakeClock(5_000);
  const breaker = new SlidingWindowBreaker({
    minimumNumberOfCalls: 2,
    permittedNumberOfCallsInHalfOpenState: 1,
    waitDurationInOpenState: 1_000,
    ...options,
    clock,
  });
  return { breaker, clock };
}

/** Opens at t = 5000, then starts one probe at t = 6000 that never finishes. */
async function halfOpenWithStuckProbe(breaker: SlidingWindowBreaker, clock: FakeClock): Promise<void> {
  await fail(breaker, 2);
  expect(breaker.state).toBe('open');
  clock.advance(1_000);
  void breaker.execute(() => deferred().promise).catch(() => undefined);
  expect(breaker.state).toBe('half-open');
}

describe('divergence: maxWaitDurationInHalfOpenState expiry is dated at half-open start + max wait', () => {
  it('dates the re-open when the max wait ran out, not when it is next observed, and the open period from there', async () => {
    const { breaker, clock } = make({ maxWaitDurationInHalfOpenState: 500 });
    await halfOpenWithStuckProbe(breaker, clock);
    const events = transitions(breaker);
    clock.advance(700); // t = 6700: the max wait ran out at 6500
    expect(breaker.snapshot()).toMatchObject({ state: 'open', retryAfterMs: 800 }); // open until 6500 + 1000
    expect(events.changes.map((c) => [`${c.from}>${c.to}`, c.at])).toEqual([['half-open>open', 6_500]]);
    clock.advance(799);
    expect(breaker.admits()).toBe(false);
    clock.advance(1); // t = 7500
    expect(breaker.admits()).toBe(true);
    expect(events.changes.map((c) => [`${c.from}>${c.to}`, c.at])).toEqual([
      ['half-open>open', 6_500],
      ['open>half-open', 7_500],
    ]);
  });

  it('a read long after both the max wait and the open period that follows finds the circuit half-open again', async () => {
    const { breaker, clock } = make({ maxWaitDurationInHalfOpenState: 500 });
    await halfOpenWithStuckProbe(breaker, clock);
    const events = transitions(breaker);
    clock.advance(2_000); // t = 8000: re-opened at 6500, open until 7500
    expect(breaker.state).toBe('half-open');
    expect(breaker.admits()).toBe(true);
    expect(events.changes.map((c) => [`${c.from}>${c.to}`, c.at])).toEqual([
      ['half-open>open', 6_500],
      ['open>half-open', 8_000], // half-open starts when a call can probe: when observed
    ]);
    expect(events.changes[0]?.reason).toBe('no decision within 500 ms in half-open; open for 1000 ms');
  });

  it('the backed-off open period also starts at the expiry', async () => {
    const { breaker, clock } = make({
      maxWaitDurationInHalfOpenState: 500,
      openStateBackoff: { multiplier: 3, maxMs: 60_000 },
    });
    await halfOpenWithStuckProbe(breaker, clock);
    clock.advance(1_000); // t = 7000: re-opened at 6500 for 3000 ms
    expect(breaker.snapshot()).toMatchObject({ state: 'open', retryAfterMs: 2_500 });
  });
});

describe('divergence: isolate() on an open breaker whose wait passed', () => {
  it('emits open → isolated only, with no half-open in between', async () => {
    const { breaker, clock } = make();
    await fail(breaker, 2);
    const events = transitions(breaker);
    clock.advance(5_000); // the open wait passed, nobody looked
    breaker.isolate();
    expect(events.list).toEqual(['open>isolated']);
    expect(events.changes[0]).toMatchObject({ reason: 'isolated by operator', at: 10_000 });
    expect(breaker.snapshot()).toMatchObject({ state: 'isolated', retryAfterMs: 0 });
    expect(breaker.admits()).toBe(false);
  });

  it('from a half-open whose max wait passed, emits half-open → isolated only', async () => {
    const { breaker, clock } = make({ maxWaitDurationInHalfOpenState: 500 });
    await halfOpenWithStuckProbe(breaker, clock);
    const events = transitions(breaker);
    clock.advance(600);
    breaker.isolate();
    expect(events.list).toEqual(['half-open>isolated']);
  });
});
