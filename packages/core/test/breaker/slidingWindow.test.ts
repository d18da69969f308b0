import {
  handleAll,
  handleType,
  handleWhen,
  SlidingWindowBreaker,
  type SlidingWindowBreakerOptions,
} from '@switchyard/core';
import { BREAKER_DEFAULTS, isBrokenCircuitError } from '@switchyard/core/internal';
import { describe, expect, it, vi } from 'vitest';
import { CountWindow } from '../../src/breaker/CountWindow.js';
import { TimeWindow } from '../../src/breaker/TimeWindow.js';
import { boom, deferred, FakeClock, fail, ok, succeed, transitions } from './support.js';

function make(options: SlidingWindowBreakerOptions = {}): { breaker: SlidingWindowBreaker; clock: FakeClock } {
  const clock = new FakeClock(5_000);
  const breaker = new SlidingWindowBreaker({ waitDurationInOpenState: 1_000, ...options, clock });
  return { breaker, clock };
}

/** A call that takes `ms` on the fake clock, then succeeds or fails. */
function taking(clock: FakeClock, ms: number, failing = false): () => Promise<string> {
  return async () => {
    clock.advance(ms);
    if (failing) throw new Error('slow failure');
    return 'ok';
  };
}

async function open(breaker: SlidingWindowBreaker): Promise<void> {
  await fail(breaker, breaker.options.minimumNumberOfCalls);
  expect(breaker.state).toBe('open');
}

describe('SlidingWindowBreaker defaults', () => {
  it('documents its defaults', () => {
    const { options } = new SlidingWindowBreaker();
    expect(options).toMatchObject({
      slidingWindowType: 'count',
      slidingWindowSize: 100,
      minimumNumberOfCalls: 20,
      failureRateThreshold: 50,
      slowCallDurationThreshold: Number.POSITIVE_INFINITY,
      slowCallRateThreshold: 100,
      permittedNumberOfCallsInHalfOpenState: 5,
      waitDurationInOpenState: 30_000,
      backoffMultiplier: 1,
      maxWaitDurationInHalfOpenState: 0,
    });
    expect(new SlidingWindowBreaker({ slidingWindowType: 'time' }).options.slidingWindowSize).toBe(
      BREAKER_DEFAULTS.timeWindowSeconds,
    );
  });

  it('caps minimumNumberOfCalls at the size of a count window, as resilience4j does', () => {
    expect(new SlidingWindowBreaker({ slidingWindowSize: 5 }).options.minimumNumberOfCalls).toBe(5);
    expect(
      new SlidingWindowBreaker({ slidingWindowType: 'time', slidingWindowSize: 5 }).options.minimumNumberOfCalls,
    ).toBe(20);
  });
});

describe('SlidingWindowBreaker count window', () => {
  it('forgets the oldest outcome once the window is full', async () => {
    const { breaker } = make({ slidingWindowSize: 4, minimumNumberOfCalls: 4 });
    await fail(breaker, 1);
    await succeed(breaker, 3); // [F S S S] 25%
    expect(breaker.state).toBe('closed');
    await fail(breaker, 1); // [S S S F] 25%: the first failure slid out
    expect(breaker.snapshot()).toMatchObject({ calls: 4, failures: 1, failureRate: 25 });
    expect(breaker.state).toBe('closed');
    await fail(breaker, 1); // [S S F F] 50%
    expect(breaker.state).toBe('open');
  });

  it('waits for minimumNumberOfCalls before computing a rate', async () => {
    const { breaker } = make({ slidingWindowSize: 50, minimumNumberOfCalls: 10 });
    await fail(breaker, 9);
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot()).toMatchObject({ calls: 9, failures: 9, failureRate: -1, slowCallRate: -1 });
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('opens at exactly the threshold (>=) and explains why', async () => {
    const { breaker } = make({ slidingWindowSize: 10, minimumNumberOfCalls: 10, failureRateThreshold: 30 });
    const events = transitions(breaker);
    await succeed(breaker, 7);
    await fail(breaker, 3);
    expect(breaker.state).toBe('open');
    expect(events.changes[0]?.reason).toBe('failure rate 30% >= 30%; open for 1000 ms');
  });
});

describe('SlidingWindowBreaker time window', () => {
  it('covers the current second and the N - 1 before it, rolled by the clock', async () => {
    const { breaker, clock } = make({ slidingWindowType: 'time', slidingWindowSize: 3, minimumNumberOfCalls: 3 });
    clock.advance(-5_000); // t = 0
    await succeed(breaker, 2);
    clock.advance(1_500); // second 1
    await fail(breaker, 1);
    expect(breaker.snapshot()).toMatchObject({ calls: 3, failures: 1 });
    clock.advance(1_499); // t = 2999, still second 2: nothing expired
    expect(breaker.snapshot().calls).toBe(3);
    clock.advance(1); // second 3: second 0 left the window
    expect(breaker.snapshot()).toMatchObject({ calls: 1, failures: 1, failureRate: -1 });
    await fail(breaker, 1);
    expect(breaker.state).toBe('closed'); // 2 calls < minimum 3
    await fail(breaker, 1);
    expect(breaker.state).toBe('open'); // 3 of 3 within seconds 1..3
  });

  it('drops everything after a gap longer than the window', async () => {
    const { breaker, clock } = make({ slidingWindowType: 'time', slidingWindowSize: 10, minimumNumberOfCalls: 3 });
    await fail(breaker, 2);
    clock.advance(10_000);
    await fail(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot()).toMatchObject({ calls: 2, failures: 2 });
  });

  it('keeps counting in the newest bucket when the clock steps back', async () => {
    const { breaker, clock } = make({ slidingWindowType: 'time', slidingWindowSize: 2, minimumNumberOfCalls: 4 });
    await succeed(breaker, 2);
    clock.advance(-3_000);
    await fail(breaker, 1);
    expect(breaker.snapshot()).toMatchObject({ calls: 3, failures: 1 });
  });
});

describe('SlidingWindowBreaker slow calls', () => {
  it('opens on the slow-call rate, counting slow failures as slow too', async () => {
    const { breaker, clock } = make({
      minimumNumberOfCalls: 4,
      slowCallDurationThreshold: 100,
      slowCallRateThreshold: 50,
      failureRateThreshold: 100,
    });
    const events = transitions(breaker);
    await breaker.execute(taking(clock, 100)); // exactly the threshold: not slow
    await breaker.execute(taking(clock, 101));
    await breaker.execute(taking(clock, 0));
    expect(breaker.snapshot()).toMatchObject({ calls: 3, slowCalls: 1 });
    await breaker.execute(taking(clock, 500, true)).catch(() => undefined);
    expect(breaker.state).toBe('open');
    expect(events.changes[0]?.reason).toMatch(/^slow-call rate 50% >= 50%/);
  });

  it('reads the clock only when it needs the time: never (count window), once (time window), twice (slow calls)', async () => {
    const readsPerCall = async (options: SlidingWindowBreakerOptions): Promise<number> => {
      let reads = 0;
      const breaker = new SlidingWindowBreaker({
        ...options,
        clock: {
          now: () => {
            reads++;
            return 5_000;
          },
        },
      });
      const before = reads;
      await succeed(breaker, 10);
      await fail(breaker, 5); // below the minimum number of calls: nothing trips
      expect(breaker.state).toBe('closed');
      return (reads - before) / 15;
    };
    expect(await readsPerCall({})).toBe(0);
    expect(await readsPerCall({ slidingWindowType: 'time' })).toBe(1);
    expect(await readsPerCall({ slowCallDurationThreshold: 60_000 })).toBe(2);
  });

  it('never counts slow calls when the duration threshold is Infinity', async () => {
    const { breaker, clock } = make({
      minimumNumberOfCalls: 2,
      slowCallDurationThreshold: Number.POSITIVE_INFINITY,
      slowCallRateThreshold: 1,
    });
    for (let i = 0; i < 5; i++) await breaker.execute(taking(clock, 1e9));
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', slowCalls: 0, slowCallRate: 0 });
  });

  it('re-opens from half-open when the probes are slow', async () => {
    const { breaker, clock } = make({
      minimumNumberOfCalls: 2,
      permittedNumberOfCallsInHalfOpenState: 2,
      slowCallDurationThreshold: 100,
      slowCallRateThreshold: 50,
    });
    await open(breaker);
    clock.advance(1_000);
    await breaker.execute(taking(clock, 0));
    await breaker.execute(taking(clock, 200));
    expect(breaker.state).toBe('open');
  });
});

describe('SlidingWindowBreaker half-open', () => {
  it('admits exactly N of many concurrent calls and decides once all N finished', async () => {
    const { breaker, clock } = make({ minimumNumberOfCalls: 2, permittedNumberOfCallsInHalfOpenState: 3 });
    await open(breaker);
    clock.advance(1_000);
    const pending = Array.from({ length: 3 }, () => deferred());
    let started = 0;
    const calls = Array.from({ length: 20 }, (_, i) =>
      breaker
        .execute(() => {
          started++;
          return (pending[i] as ReturnType<typeof deferred>).promise;
        })
        .then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
    );
    expect(started).toBe(3);
    pending[0]?.resolve('a');
    pending[1]?.reject(new Error('b'));
    await Promise.resolve();
    await Promise.resolve();
    expect(breaker.state).toBe('half-open'); // 2 of 3 finished: no decision yet
    expect(breaker.snapshot()).toMatchObject({ state: 'half-open', calls: 2, failures: 1, failureRate: -1 });
    pending[2]?.resolve('c');
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.ok).map((r) => r.ok && r.value)).toEqual(['a', 'c']);
    const rejected = results.filter((r) => !r.ok).map((r) => !r.ok && r.error);
    expect(rejected).toHaveLength(18);
    expect(rejected.filter(isBrokenCircuitError)).toHaveLength(17);
    expect(breaker.state).toBe('closed'); // 1 of 3 = 33% < 50%
    expect(breaker.snapshot()).toMatchObject({ calls: 0, failures: 0 });
  });

  it('re-opens when the probes fail at the threshold', async () => {
    const { breaker, clock } = make({ minimumNumberOfCalls: 2, permittedNumberOfCallsInHalfOpenState: 4 });
    await open(breaker);
    clock.advance(1_000);
    expect(breaker.state).toBe('half-open');
    const events = transitions(breaker);
    await succeed(breaker, 2);
    await fail(breaker, 2);
    expect(breaker.state).toBe('open');
    expect(events.changes[0]?.reason).toBe('2 of 4 probes failed, 0 slow (failure rate 50% >= 50%); open for 1000 ms');
  });

  it('gives up on half-open after maxWaitDurationInHalfOpenState and ignores the late probe', async () => {
    const { breaker, clock } = make({
      minimumNumberOfCalls: 2,
      permittedNumberOfCallsInHalfOpenState: 1,
      maxWaitDurationInHalfOpenState: 500,
    });
    await open(breaker);
    clock.advance(1_000);
    const probe = deferred();
    const call = breaker.execute(() => probe.promise);
    clock.advance(499);
    expect(breaker.state).toBe('half-open');
    const events = transitions(breaker);
    clock.advance(1);
    expect(breaker.state).toBe('open');
    expect(events.changes[0]?.reason).toBe('no decision within 500 ms in half-open; open for 1000 ms');
    probe.resolve('late');
    await expect(call).resolves.toBe('late');
    expect(breaker.state).toBe('open'); // the stale success did not close it
    clock.advance(1_000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.admits()).toBe(true);
  });

  it('waits for every probe when maxWaitDurationInHalfOpenState is 0', async () => {
    const { breaker, clock } = make({
      minimumNumberOfCalls: 2,
      permittedNumberOfCallsInHalfOpenState: 1,
      // The probe takes an hour of fake time: with slow-call tracking on it would count as slow.
      slowCallDurationThreshold: 3_600_001,
    });
    await open(breaker);
    clock.advance(1_000);
    const probe = deferred();
    const call = breaker.execute(() => probe.promise);
    clock.advance(3_600_000);
    expect(breaker.state).toBe('half-open');
    probe.resolve('ok');
    await call;
    expect(breaker.state).toBe('closed');
  });
});

describe('SlidingWindowBreaker open-state backoff', () => {
  it('multiplies the wait on each consecutive re-open, caps it, and starts over after closing', async () => {
    const { breaker, clock } = make({
      minimumNumberOfCalls: 2,
      permittedNumberOfCallsInHalfOpenState: 1,
      openStateBackoff: { multiplier: 2, maxMs: 3_000 },
    });
    const waits: number[] = [];
    await open(breaker);
    for (let i = 0; i < 4; i++) {
      const wait = breaker.snapshot().retryAfterMs;
      waits.push(wait);
      clock.advance(wait - 1);
      expect(breaker.state).toBe('open');
      clock.advance(1);
      await fail(breaker, 1); // the probe fails: re-open
    }
    expect(waits).toEqual([1_000, 2_000, 3_000, 3_000]);
    clock.advance(3_000);
    await succeed(breaker, 1);
    expect(breaker.state).toBe('closed');
    await open(breaker);
    expect(breaker.snapshot().retryAfterMs).toBe(1_000);
  });

  it('reset() also forgets the backoff', async () => {
    const { breaker, clock } = make({
      minimumNumberOfCalls: 2,
      permittedNumberOfCallsInHalfOpenState: 1,
      openStateBackoff: { multiplier: 10, maxMs: 100_000 },
    });
    await open(breaker);
    clock.advance(1_000);
    await fail(breaker, 1);
    expect(breaker.snapshot().retryAfterMs).toBe(10_000);
    breaker.reset();
    await open(breaker);
    expect(breaker.snapshot().retryAfterMs).toBe(1_000);
  });
});

describe('SlidingWindowBreaker handle and ignore', () => {
  class NotFound extends Error {}
  class Cancelled extends Error {}
  // Everything but a NotFound is a failure; a Cancelled is not counted at all.
  const classify = { handle: handleWhen((error) => !(error instanceof NotFound)), ignore: handleType(Cancelled) };

  it('records errors it does not handle as successes and ignored errors not at all', async () => {
    const { breaker } = make({ minimumNumberOfCalls: 4, ...classify });
    for (let i = 0; i < 3; i++) {
      await expect(breaker.execute(() => Promise.reject(new NotFound()))).rejects.toBeInstanceOf(NotFound);
      await expect(breaker.execute(() => Promise.reject(new Cancelled()))).rejects.toBeInstanceOf(Cancelled);
    }
    expect(breaker.snapshot()).toMatchObject({ calls: 3, failures: 0 });
    await fail(breaker, 3);
    expect(breaker.snapshot()).toMatchObject({ state: 'open', calls: 6, failures: 3 });
  });

  it('gives an ignored probe its permit back', async () => {
    const { breaker, clock } = make({ minimumNumberOfCalls: 2, permittedNumberOfCallsInHalfOpenState: 1, ...classify });
    await open(breaker);
    clock.advance(1_000);
    await breaker.execute(() => Promise.reject(new Cancelled())).catch(() => undefined);
    expect(breaker.state).toBe('half-open');
    expect(breaker.admits()).toBe(true);
    await breaker.execute(() => Promise.reject(new NotFound())).catch(() => undefined);
    expect(breaker.state).toBe('closed');
  });

  it("ignore wins over handle (as resilience4j's ignoreExceptions do)", async () => {
    const { breaker } = make({ minimumNumberOfCalls: 2, handle: handleAll, ignore: handleType(Cancelled) });
    await breaker.execute(() => Promise.reject(new Cancelled())).catch(() => undefined);
    expect(breaker.snapshot().calls).toBe(0);
  });

  it('counts an error as a failure when handle throws or answers nonsense, and not as ignored when ignore throws', async () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const nonsense = {
        handles: () => 'maybe' as unknown as boolean,
        orWhen: handleAll.orWhen,
        orType: handleAll.orType,
      };
      const { breaker } = make({
        minimumNumberOfCalls: 3,
        handle: handleWhen(() => {
          throw new Error('classifier bug');
        }),
        ignore: handleWhen(() => {
          throw new Error('ignore bug');
        }),
      });
      await expect(breaker.execute(boom)).rejects.toThrow('boom');
      await expect(breaker.execute(() => Promise.reject('weird'))).rejects.toBe('weird');
      expect(breaker.snapshot()).toMatchObject({ calls: 2, failures: 2 });
      const odd = make({ minimumNumberOfCalls: 1, handle: nonsense });
      await expect(odd.breaker.execute(boom)).rejects.toThrow('boom');
      // A custom filter answering something other than true does not handle the error: a success.
      expect(odd.breaker.snapshot()).toMatchObject({ calls: 1, failures: 0 });
    } finally {
      warnings.mockRestore();
    }
  });
});

describe('SlidingWindowBreaker bookkeeping', () => {
  it('drops outcomes of calls admitted before the last transition', async () => {
    const { breaker } = make({ minimumNumberOfCalls: 2 });
    const slow = deferred();
    const call = breaker.execute(() => slow.promise);
    breaker.reset();
    slow.reject(new Error('from before the reset'));
    await expect(call).rejects.toThrow('from before');
    await fail(breaker, 1);
    expect(breaker.snapshot()).toMatchObject({ calls: 1, failures: 1, state: 'closed' });
  });

  it('keeps its memory fixed: the rings do not grow with traffic', async () => {
    for (const type of ['count', 'time'] as const) {
      const { breaker, clock } = make({ slidingWindowType: type, slidingWindowSize: 50, minimumNumberOfCalls: 50 });
      const window = (breaker as unknown as { window: CountWindow | TimeWindow }).window;
      expect(window).toBeInstanceOf(type === 'count' ? CountWindow : TimeWindow);
      const before = window.capacity;
      // 1,000 calls a second for 100 s: twice as long as a 50 s time window.
      for (let i = 0; i < 100_000; i++) {
        if (type === 'time' && i % 100 === 0) clock.advance(100);
        await breaker.execute(ok);
      }
      expect(window.capacity).toBe(before);
      expect(before).toBe(50);
      expect(breaker.snapshot().calls).toBeLessThanOrEqual(type === 'count' ? 50 : 50_000);
    }
  });

  it('reports in-flight calls and a retry-after that counts down', async () => {
    const { breaker, clock } = make({ minimumNumberOfCalls: 2 });
    const a = deferred();
    const call = breaker.execute(() => a.promise);
    expect(breaker.snapshot().inFlight).toBe(1);
    a.resolve('x');
    await call;
    await open(breaker);
    clock.advance(250);
    expect(breaker.snapshot().retryAfterMs).toBe(750);
    const error = await breaker.execute(ok).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SWITCHYARD_BROKEN_CIRCUIT', retryAfterMs: 750 });
  });

  it('moves to half-open lazily on admits() and snapshot() too', async () => {
    const { breaker, clock } = make({ minimumNumberOfCalls: 2 });
    await open(breaker);
    clock.advance(1_000);
    expect(breaker.admits()).toBe(true);
    const other = make({ minimumNumberOfCalls: 2 });
    await open(other.breaker);
    other.clock.advance(1_000);
    expect(other.breaker.snapshot().state).toBe('half-open');
  });

  it('isolates from open and half-open alike', async () => {
    const { breaker, clock } = make({ minimumNumberOfCalls: 2 });
    await open(breaker);
    const events = transitions(breaker);
    breaker.isolate();
    breaker.reset();
    await open(breaker);
    clock.advance(1_000);
    expect(breaker.state).toBe('half-open');
    breaker.isolate();
    expect(events.list).toEqual([
      'open>isolated',
      'isolated>closed',
      'closed>open',
      'open>half-open',
      'half-open>isolated',
    ]);
    expect(breaker.snapshot()).toMatchObject({ state: 'isolated', retryAfterMs: 0 });
  });
});
