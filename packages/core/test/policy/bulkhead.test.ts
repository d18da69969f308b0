import { getEventListeners } from 'node:events';
import { type AttemptContext, BulkheadRejectedError, bulkhead } from '@switchyard/core';
import { type BulkheadRejectEvent, isBulkheadRejectedError } from '@switchyard/core/internal';
import { describe, expect, it, vi } from 'vitest';
import { type Deferred, deferred } from './support.js';

/** Lets promise callbacks run (no timers are involved in the bulkhead). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Calls whose completion the test controls; records the order in which they started. */
function controlled() {
  const started: number[] = [];
  const gates = new Map<number, Deferred<number>>();
  const call = (id: number) => (_ctx: AttemptContext) => {
    started.push(id);
    const gate = deferred<number>();
    gates.set(id, gate);
    return gate.promise;
  };
  const finish = (id: number) => gates.get(id)?.resolve(id);
  const fail = (id: number) => gates.get(id)?.reject(new Error(`call ${id} failed`));
  return { started, call, finish, fail };
}

describe('BulkheadPolicy', () => {
  it('runs at most maxConcurrent, queues maxQueue in FIFO order, rejects the rest', async () => {
    const policy = bulkhead({ maxConcurrent: 2, maxQueue: 2 });
    const rejects: BulkheadRejectEvent[] = [];
    policy.onReject((e) => rejects.push(e));
    const c = controlled();
    const results = [1, 2, 3, 4].map((id) => policy.execute(c.call(id)));
    const fifth = policy.execute(c.call(5));

    await expect(fifth).rejects.toBeInstanceOf(BulkheadRejectedError);
    const error = await fifth.catch((e: unknown) => e);
    expect(isBulkheadRejectedError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SWITCHYARD_BULKHEAD_REJECTED', maxConcurrent: 2, maxQueue: 2 });
    expect(rejects).toEqual([{ maxConcurrent: 2, maxQueue: 2, inFlight: 2, queued: 2 }]);
    expect(c.started).toEqual([1, 2]);
    expect([policy.inFlight, policy.queued]).toEqual([2, 2]);

    c.finish(2);
    await flush();
    expect(c.started).toEqual([1, 2, 3]);
    expect([policy.inFlight, policy.queued]).toEqual([2, 1]);

    c.fail(1); // a failure frees its slot too
    await flush();
    expect(c.started).toEqual([1, 2, 3, 4]);
    expect([policy.inFlight, policy.queued]).toEqual([2, 0]);

    c.finish(3);
    c.finish(4);
    await expect(Promise.allSettled(results)).resolves.toEqual([
      { status: 'rejected', reason: new Error('call 1 failed') },
      { status: 'fulfilled', value: 2 },
      { status: 'fulfilled', value: 3 },
      { status: 'fulfilled', value: 4 },
    ]);
    expect([policy.inFlight, policy.queued]).toEqual([0, 0]);
  });

  it('hands a freed slot to the oldest waiter, not to a newcomer', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const c = controlled();
    void policy.execute(c.call(1));
    void policy.execute(c.call(2));
    c.finish(1);
    await flush();
    const late = policy.execute(c.call(3));
    expect(c.started).toEqual([1, 2]);
    expect([policy.inFlight, policy.queued]).toEqual([1, 1]);
    c.finish(2);
    await flush();
    c.finish(3);
    await expect(late).resolves.toBe(3);
  });

  it('rejects at once with no queue by default', async () => {
    const policy = bulkhead({ maxConcurrent: 1 });
    const c = controlled();
    void policy.execute(c.call(1));
    await expect(policy.execute(c.call(2))).rejects.toMatchObject({ maxConcurrent: 1, maxQueue: 0 });
  });

  it('removes an aborted waiter from the queue and rejects it with the abort reason', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 2 });
    const c = controlled();
    void policy.execute(c.call(1));
    const controller = new AbortController();
    const aborted = policy.execute(c.call(2), controller.signal);
    const waiting = new AbortController();
    const third = policy.execute(c.call(3), waiting.signal);
    expect(policy.queued).toBe(2);

    const reason = new Error('gave up waiting');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(policy.queued).toBe(1);

    c.finish(1);
    await flush();
    expect(c.started).toEqual([1, 3]);
    // Once started, the waiter's abort listener is gone: nothing accumulates on the caller's signal.
    expect(getEventListeners(waiting.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    c.finish(3);
    await expect(third).resolves.toBe(3);
  });

  it('passes the caller signal to fn and never calls fn for an aborted signal', async () => {
    const policy = bulkhead({ maxConcurrent: 1 });
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    await policy.execute(async (ctx) => {
      seen = ctx.signal;
    }, controller.signal);
    expect(seen).toBe(controller.signal);

    controller.abort();
    const fn = vi.fn(async () => 1);
    await expect(policy.execute(fn, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(fn).not.toHaveBeenCalled();
    expect(policy.inFlight).toBe(0);
  });

  it('frees the slot when fn throws synchronously', async () => {
    const policy = bulkhead({ maxConcurrent: 1 });
    await expect(
      policy.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(policy.inFlight).toBe(0);
    await expect(policy.execute(async () => 'next')).resolves.toBe('next');
  });
});
