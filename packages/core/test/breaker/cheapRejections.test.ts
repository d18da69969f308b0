// Issue 10, item 3: an open (or isolated) breaker and a full bulkhead reject without
// capturing a stack trace, which cost microseconds per rejected call exactly while a
// dependency is down; `tryExecute` refuses as an outcome, making no error at all. The
// errors that do reach callers still say what happened and pass `instanceof`.
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  bulkhead,
  IsolatedCircuitError,
  SlidingWindowBreaker,
  SwitchyardError,
} from '@switchyard/core';
import { isBrokenCircuitError, isBulkheadRejectedError, isIsolatedCircuitError } from '@switchyard/core/internal';
import { describe, expect, it } from 'vitest';
import { deferred, FakeClock, fail, ok } from './support.js';

/** A stack trace has frames (`    at …` lines); a rejection made without capturing one has only its first line. */
function framesOf(error: Error): number {
  return (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at ')).length;
}

function openBreaker(clock: FakeClock): SlidingWindowBreaker {
  return new SlidingWindowBreaker({
    clock,
    slidingWindowSize: 4,
    minimumNumberOfCalls: 4,
    waitDurationInOpenState: 30_000,
    permittedNumberOfCallsInHalfOpenState: 1,
  });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('issue 10 case 3: an open breaker rejects cheaply and still says what happened', () => {
  it('rejects with a BrokenCircuitError that carries no captured stack, and with its message and retryAfterMs', async () => {
    const clock = new FakeClock();
    const breaker = openBreaker(clock);
    await fail(breaker, 4);
    expect(breaker.state).toBe('open');
    clock.advance(10_000.4);
    let ran = false;
    const error = await rejection(
      breaker.execute(() => {
        ran = true;
        return ok();
      }),
    );
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error).toBeInstanceOf(SwitchyardError);
    expect(error).toBeInstanceOf(Error);
    expect(isBrokenCircuitError(error)).toBe(true);
    const broken = error as BrokenCircuitError;
    expect(broken.code).toBe('SWITCHYARD_BROKEN_CIRCUIT');
    expect(broken.name).toBe('BrokenCircuitError');
    expect(broken.message).toBe('Circuit is open; retry after 20000 ms');
    expect(broken.retryAfterMs).toBe(20_000);
    expect(String(broken)).toBe('BrokenCircuitError: Circuit is open; retry after 20000 ms');
    expect(broken.stack).toBe('BrokenCircuitError: Circuit is open; retry after 20000 ms');
    expect(framesOf(broken)).toBe(0);
    // As on any error, the message is no enumerable key; the fields are.
    expect(Object.keys(broken).sort()).toEqual(['code', 'name', 'retryAfterMs']);
  });

  it('makes a new error per rejection, so a caller that changes one changes no other', async () => {
    const breaker = openBreaker(new FakeClock());
    await fail(breaker, 4);
    const first = await rejection(breaker.execute(ok));
    const second = await rejection(breaker.execute(ok));
    expect(first).not.toBe(second);
    first.message = 'changed';
    first.stack = 'my own stack';
    (first as { extra?: number }).extra = 1;
    expect(first.stack).toBe('my own stack');
    expect(second.message).toBe('Circuit is open; retry after 30000 ms');
    expect(second.stack).toBe('BrokenCircuitError: Circuit is open; retry after 30000 ms');
    expect('extra' in second).toBe(false);
  });

  it('rejects half-open calls beyond the probe permits the same way, naming the permits', async () => {
    const clock = new FakeClock();
    const breaker = openBreaker(clock);
    await fail(breaker, 4);
    clock.advance(30_000);
    const probe = deferred<string>();
    const probing = breaker.execute(() => probe.promise);
    const error = await rejection(breaker.execute(ok));
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error.message).toBe('Circuit is half-open and all 1 probe permits are taken');
    expect((error as BrokenCircuitError).retryAfterMs).toBe(0);
    expect(framesOf(error)).toBe(0);
    probe.resolve('ok');
    await expect(probing).resolves.toBe('ok');
  });

  it('rejects with an IsolatedCircuitError without a stack once isolated', async () => {
    const breaker = openBreaker(new FakeClock());
    breaker.isolate();
    const error = await rejection(breaker.execute(ok));
    expect(error).toBeInstanceOf(IsolatedCircuitError);
    expect(isIsolatedCircuitError(error)).toBe(true);
    expect(error.message).toBe('Circuit is isolated until it is reset');
    expect(error.stack).toBe('IsolatedCircuitError: Circuit is isolated until it is reset');
  });

  it('still builds errors with a full stack when a user constructs one', () => {
    const error = new BrokenCircuitError(5);
    expect(framesOf(error)).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBe(5);
  });
});

describe('issue 10 case 3: tryExecute refuses as an outcome', () => {
  it('returns undefined without running the call while open or isolated, and runs it while closed', async () => {
    const breaker = openBreaker(new FakeClock());
    await expect(breaker.tryExecute(ok)).resolves.toBe('ok');
    await fail(breaker, 4);
    let ran = 0;
    const call = () => {
      ran++;
      return ok();
    };
    expect(breaker.tryExecute(call)).toBeUndefined();
    breaker.isolate();
    expect(breaker.tryExecute(call)).toBeUndefined();
    expect(ran).toBe(0);
    expect(breaker.snapshot().inFlight).toBe(0);
  });

  it('hands out half-open probe permits like execute, and refuses once they are taken', async () => {
    const clock = new FakeClock();
    const breaker = openBreaker(clock);
    await fail(breaker, 4);
    clock.advance(30_000);
    const probe = deferred<string>();
    const probing = breaker.tryExecute(() => probe.promise);
    expect(probing).toBeInstanceOf(Promise);
    expect(breaker.tryExecute(ok)).toBeUndefined();
    probe.resolve('ok');
    await expect(probing).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('rejects with the abort reason for an already aborted signal, as execute does', async () => {
    const breaker = openBreaker(new FakeClock());
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(breaker.tryExecute(ok, controller.signal)).rejects.toBe(reason);
  });
});

describe('issue 10 case 3: a full bulkhead rejects cheaply', () => {
  it('rejects with a BulkheadRejectedError that carries no captured stack, naming the limits', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 0 });
    const gate = deferred<string>();
    const running = policy.execute(() => gate.promise);
    const error = await rejection(policy.execute(ok));
    expect(error).toBeInstanceOf(BulkheadRejectedError);
    expect(isBulkheadRejectedError(error)).toBe(true);
    const rejected = error as BulkheadRejectedError;
    expect(rejected.message).toBe('Bulkhead full: 1 calls in flight and 0 queued (the limits)');
    expect([rejected.maxConcurrent, rejected.maxQueue]).toEqual([1, 0]);
    expect(rejected.code).toBe('SWITCHYARD_BULKHEAD_REJECTED');
    expect(framesOf(rejected)).toBe(0);
    gate.resolve('done');
    await expect(running).resolves.toBe('done');
  });
});
