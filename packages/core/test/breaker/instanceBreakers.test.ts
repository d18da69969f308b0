// Outlier ejection: per-instance breakers decide which instances the balancer sees.
import {
  createInstance,
  type Disposable,
  type Instance,
  type ServiceClient,
  SlidingWindowBreaker,
  subscribe,
} from '@switchyard/core';
import { InstanceBreakers } from '@switchyard/core/internal';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from './support.js';

const instances = (n: number): Instance[] =>
  Array.from({ length: n }, (_, i) => createInstance({ id: `i${i}`, host: '127.0.0.1', port: 1000 + i }, 'svc'));

const subscriptions: Disposable[] = [];
afterEach(() => {
  for (const subscription of subscriptions.splice(0)) subscription.dispose();
});

function setup(n: number) {
  const clock = new FakeClock(0);
  // InstanceBreakers only names its client in the messages it publishes: any object will do.
  const client = {} as ServiceClient;
  const ejections: string[] = [];
  subscriptions.push(
    subscribe('ejection', (message) => {
      if (message.client !== client || message.service !== 'svc') return;
      ejections.push(`${message.instance.id} ${message.ejected ? 'out' : 'in'}`);
    }),
  );
  const breakers = new InstanceBreakers({
    factory: () =>
      new SlidingWindowBreaker({
        slidingWindowSize: 2,
        minimumNumberOfCalls: 2,
        waitDurationInOpenState: 1_000,
        clock,
      }),
    clock,
    client,
    service: 'svc',
  });
  const list = instances(n);
  breakers.sync(list);
  return { clock, breakers, list, ejections };
}

async function fail(breakers: InstanceBreakers, instance: Instance, times = 2): Promise<void> {
  for (let i = 0; i < times; i++) {
    await breakers
      .get(instance)
      .execute(() => Promise.reject(new Error('down')))
      .catch(() => {});
  }
}

describe('InstanceBreakers', () => {
  it('leaves out instances whose breaker is open, and returns the same array while nothing changes', async () => {
    const { breakers, list, ejections } = setup(4);
    expect(breakers.eligible(list)).toBe(list);
    await fail(breakers, list[1] as Instance);
    const eligible = breakers.eligible(list);
    expect(eligible.map((i) => i.id)).toEqual(['i0', 'i2', 'i3']);
    expect(breakers.eligible(list)).toBe(eligible);
    expect(ejections).toEqual(['i1 out']);
    expect(breakers.allEjected).toBe(false);
  });

  it('keeps ejected instances out however many are ejected (no panic mode), and returns all once none admits', async () => {
    const { breakers, list } = setup(4);
    await fail(breakers, list[0] as Instance);
    await fail(breakers, list[1] as Instance);
    expect(breakers.eligible(list).map((i) => i.id)).toEqual(['i2', 'i3']);
    // Three of four out: the one left still carries every call (a refused pick moves no load).
    await fail(breakers, list[2] as Instance);
    expect(breakers.eligible(list).map((i) => i.id)).toEqual(['i3']);
    expect(breakers.allEjected).toBe(false);
    // None admits: every instance again, so the pick is refused at once by its breaker.
    await fail(breakers, list[3] as Instance);
    expect(breakers.eligible(list)).toBe(list);
    expect(breakers.allEjected).toBe(true);
  });

  it('readmits an instance for probes when its open wait ends, without any event', async () => {
    const { clock, breakers, list } = setup(3);
    await fail(breakers, list[0] as Instance);
    expect(breakers.eligible(list).map((i) => i.id)).toEqual(['i1', 'i2']);
    clock.advance(999);
    expect(breakers.eligible(list).map((i) => i.id)).toEqual(['i1', 'i2']);
    clock.advance(1);
    expect(breakers.eligible(list)).toBe(list);
    expect(breakers.get(list[0] as Instance).state).toBe('half-open');
  });

  it('disposes the breakers of instances that leave and reports an ejected one as back in', async () => {
    const { breakers, list, ejections } = setup(3);
    const gone = breakers.get(list[0] as Instance);
    await fail(breakers, list[0] as Instance);
    breakers.sync(list.slice(1));
    expect(ejections).toEqual(['i0 out', 'i0 in']);
    // A fresh breaker, closed, if the instance comes back.
    breakers.sync(list);
    expect(breakers.get(list[0] as Instance)).not.toBe(gone);
    expect(breakers.get(list[0] as Instance).state).toBe('closed');
  });
});
