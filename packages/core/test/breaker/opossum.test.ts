import { ConfigError, handleAll, handleWhen } from '@switchyard/core';
import { isBrokenCircuitError, isIsolatedCircuitError } from '@switchyard/core/internal';
import { describe, expect, it, vi } from 'vitest';
import { OpossumBreaker, type OpossumBreakerOptions } from '../../src/opossum.js';
import { useOpossumBreakers } from './opossumBreakers.js';
import { deferred, fail, ok, succeed, transitions } from './support.js';

describe('OpossumBreaker', () => {
  const make = useOpossumBreakers();

  it('dispose() shuts opossum down and releases its timers', async () => {
    expect(vi.getTimerCount()).toBe(0);
    const breaker = make();
    // Our defaults leave one timer: opossum's bucket rotation (snapshots are off).
    expect(vi.getTimerCount()).toBe(1);
    await fail(breaker, 2);
    expect(breaker.state).toBe('open');
    expect(vi.getTimerCount()).toBe(2); // + the reset timer
    breaker.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(breaker.opossum.isShutdown).toBe(true);
  });

  it('passes opossum options through and keeps its defaults otherwise', async () => {
    const breaker = make({ enableSnapshots: true, resetTimeout: 5_000, name: 'cart' });
    expect(breaker.opossum.name).toBe('cart');
    expect(vi.getTimerCount()).toBe(2);
    await fail(breaker, 2);
    vi.advanceTimersByTime(4_999);
    expect(breaker.state).toBe('open');
    vi.advanceTimersByTime(1);
    expect(breaker.state).toBe('half-open');
    expect(make().opossum.name).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('does not arm a timeout timer per call unless asked to', async () => {
    const breaker = make();
    const pending = deferred();
    const call = breaker.execute(() => pending.promise);
    expect(vi.getTimerCount()).toBe(1);
    pending.resolve('ok');
    await call;

    const timed = make({ timeout: 50, abortController: new AbortController() });
    let seen: AbortSignal | undefined;
    const slow = timed.execute((signal) => {
      seen = signal;
      return new Promise(() => undefined);
    });
    vi.advanceTimersByTime(50);
    await expect(slow).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(seen?.aborted).toBe(true); // opossum's abort reaches the guarded function

    // With a caller signal too, the function gets a signal linked to both.
    const both = make({ timeout: 50, abortController: new AbortController() });
    const caller = new AbortController();
    let linked: AbortSignal | undefined;
    const call2 = both.execute((signal) => {
      linked = signal;
      return new Promise(() => undefined);
    }, caller.signal);
    expect(linked).not.toBe(caller.signal);
    vi.advanceTimersByTime(50);
    await expect(call2).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(linked?.aborted).toBe(true);
    expect(caller.signal.aborted).toBe(false);
  });

  it("composes the user's errorFilter: filtered errors do not count", async () => {
    const breaker = make({ errorFilter: (e: unknown) => (e as Error).message === '404' });
    for (let i = 0; i < 5; i++) await breaker.execute(() => Promise.reject(new Error('404'))).catch(() => undefined);
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().failures).toBe(0);
    await fail(breaker, 5);
    expect(breaker.state).toBe('closed'); // 5 of 10 is not above opossum's 50%
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('takes handle, the shape every policy takes: errors it does not handle count as successes', async () => {
    const breaker = make({ handle: handleWhen((e) => (e as Error).message !== '404') });
    for (let i = 0; i < 5; i++) await breaker.execute(() => Promise.reject(new Error('404'))).catch(() => undefined);
    expect(breaker.snapshot().failures).toBe(0);
    await fail(breaker, 6);
    expect(breaker.state).toBe('open');
  });

  it('counts an error as a failure when the handle predicate throws', async () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const breaker = make({
        handle: handleWhen(() => {
          throw new Error('predicate bug');
        }),
      });
      await fail(breaker, 2);
      expect(breaker.state).toBe('open');
    } finally {
      warnings.mockRestore();
    }
  });

  it.each([
    ['handle that is not a filter', { handle: () => true }, 'opossum.handle', 'an ErrorFilter'],
    ['handle with errorFilter', { handle: handleAll, errorFilter: () => false }, 'opossum.handle', 'not both'],
    ['ignore, which opossum cannot do', { ignore: handleAll }, 'opossum.ignore', 'no "ignore" outcome'],
  ])('refuses %s', (_name, options, option, allowed) => {
    let caught: unknown;
    try {
      new OpossumBreaker(options as unknown as OpossumBreakerOptions).dispose();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).option).toBe(option);
    expect((caught as ConfigError).allowed).toContain(allowed);
  });

  it('maps EOPENBREAKER to BrokenCircuitError with the opossum error as cause', async () => {
    const breaker = make();
    await fail(breaker, 2);
    vi.advanceTimersByTime(400);
    const error = await breaker.execute(ok).catch((e: unknown) => e);
    expect(isBrokenCircuitError(error)).toBe(true);
    expect(error).toMatchObject({ retryAfterMs: 600, cause: { code: 'EOPENBREAKER' } });
  });

  it('reports a shutdown done on opossum directly as isolated', async () => {
    const breaker = make();
    const events = transitions(breaker);
    breaker.opossum.shutdown();
    expect(breaker.state).toBe('isolated');
    expect(events.list).toEqual(['closed>isolated']);
    expect(isIsolatedCircuitError(await breaker.execute(ok).catch((e: unknown) => e))).toBe(true);
  });

  it('passes calls through while opossum is disabled', async () => {
    const breaker = make({ enabled: false });
    await fail(breaker, 5);
    expect(breaker.state).toBe('closed');
    expect(breaker.admits()).toBe(true);
    await succeed(breaker, 1);
  });

  it('hides opossum moves while isolated and resumes on reset', async () => {
    const breaker = make();
    await fail(breaker, 2);
    const events = transitions(breaker);
    breaker.isolate();
    vi.advanceTimersByTime(5_000); // opossum half-opens internally; we stay isolated
    expect(breaker.state).toBe('isolated');
    breaker.reset();
    expect(breaker.state).toBe('closed');
    expect(events.list).toEqual(['open>isolated', 'isolated>closed']);
  });

  it.each(['cache', 'coalesce'])('refuses %s, which would share results between calls', (option) => {
    expect(() => new OpossumBreaker({ [option]: true } as OpossumBreakerOptions)).toThrow(ConfigError);
  });
});
