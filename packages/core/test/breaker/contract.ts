import { type CircuitBreaker, IsolatedCircuitError, SwitchyardError } from '@switchyard/core';
import { isBrokenCircuitError, isIsolatedCircuitError } from '@switchyard/core/internal';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { boom, deferred, fail, ok, succeed, transitions, untilAborted } from './support.js';

/** A breaker under test plus the way to move its time. */
export interface BreakerHarness {
  readonly breaker: CircuitBreaker;
  /** Moves time forward (a fake clock, or fake timers for timer-driven breakers). */
  advance(ms: number): void;
}

/**
 * How an implementation is configured for the contract, and where it knowingly differs.
 * `create()` must return a breaker that opens once `minimumCalls` calls were recorded
 * and all of them failed, stays closed at a 25% failure rate, and waits `waitMs` in open.
 */
export interface ContractSpec {
  readonly name: string;
  create(): BreakerHarness;
  readonly minimumCalls: number;
  readonly waitMs: number;
  /** Probes admitted (and needed for a decision) in half-open. opossum: 1. */
  readonly probes: number;
  /** opossum records an aborted call as a (filtered) success; native records nothing. */
  readonly abortsRecordedAsCalls: boolean;
  /** What an aborted half-open probe does: hand its permit back, or re-open (opossum). */
  readonly abortedProbe: 'released' | 'reopens';
  /** Run around each test, e.g. to install fake timers. */
  setup?(): void;
  teardown?(): void;
}

/** Registers the behaviour every `CircuitBreaker` implementation must share. */
export function circuitBreakerContract(spec: ContractSpec): void {
  describe(`${spec.name} — CircuitBreaker contract`, () => {
    let h: BreakerHarness;
    let breaker: CircuitBreaker;

    beforeEach(() => {
      spec.setup?.();
      h = spec.create();
      breaker = h.breaker;
    });
    afterEach(() => {
      breaker.dispose();
      spec.teardown?.();
    });

    async function trip(): Promise<void> {
      await fail(breaker, spec.minimumCalls);
      expect(breaker.state).toBe('open');
    }

    async function toHalfOpen(): Promise<void> {
      await trip();
      h.advance(spec.waitMs);
      expect(breaker.state).toBe('half-open');
    }

    it('starts closed, admits calls and passes values and the signal through', async () => {
      expect(breaker.state).toBe('closed');
      expect(breaker.admits()).toBe(true);
      const controller = new AbortController();
      let seen: AbortSignal | undefined;
      const value = await breaker.execute(async (signal) => {
        seen = signal;
        return 42;
      }, controller.signal);
      expect(value).toBe(42);
      expect(seen).toBe(controller.signal);
      // Without a caller signal the function still gets one, never aborted.
      await breaker.execute(async (signal) => {
        expect(signal).toBeInstanceOf(AbortSignal);
        expect(signal.aborted).toBe(false);
      });
      expect(breaker.snapshot()).toMatchObject({ state: 'closed', failures: 0, inFlight: 0, retryAfterMs: 0 });
    });

    it('opens when the failure rate reaches the threshold, rejecting with the original errors', async () => {
      const events = transitions(breaker);
      const error = new Error('down');
      for (let i = 0; i < spec.minimumCalls - 1; i++) {
        await expect(breaker.execute(() => Promise.reject(error))).rejects.toBe(error);
        expect(breaker.state).toBe('closed');
      }
      await expect(breaker.execute(() => Promise.reject(error))).rejects.toBe(error);
      expect(breaker.state).toBe('open');
      expect(events.list).toEqual(['closed>open']);
      expect(events.changes[0]?.reason).toMatch(/failure rate/);
      expect(typeof events.changes[0]?.at).toBe('number');
    });

    it('stays closed below the threshold', async () => {
      await succeed(breaker, 3);
      await fail(breaker, 1);
      expect(breaker.state).toBe('closed');
      await expect(breaker.execute(ok)).resolves.toBe('ok');
    });

    it('rejects fast with BrokenCircuitError while open, without calling the function', async () => {
      await trip();
      const fn = vi.fn(ok);
      const error = await breaker.execute(fn).catch((e: unknown) => e);
      expect(isBrokenCircuitError(error)).toBe(true);
      expect(fn).not.toHaveBeenCalled();
      const retryAfter = (error as { retryAfterMs: number }).retryAfterMs;
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(spec.waitMs);
      expect(breaker.admits()).toBe(false);
      const snapshot = breaker.snapshot();
      expect(snapshot.state).toBe('open');
      expect(snapshot.retryAfterMs).toBeGreaterThan(0);
      expect(snapshot.retryAfterMs).toBeLessThanOrEqual(spec.waitMs);
    });

    it('moves to half-open once the open wait has elapsed', async () => {
      await trip();
      const events = transitions(breaker);
      h.advance(spec.waitMs - 1);
      expect(breaker.state).toBe('open');
      h.advance(1);
      expect(breaker.state).toBe('half-open');
      expect(breaker.admits()).toBe(true);
      expect(events.list).toEqual(['open>half-open']);
    });

    it('closes when the probes succeed', async () => {
      await toHalfOpen();
      const events = transitions(breaker);
      await succeed(breaker, spec.probes);
      expect(breaker.state).toBe('closed');
      expect(events.list).toEqual(['half-open>closed']);
      await expect(breaker.execute(ok)).resolves.toBe('ok');
    });

    it('re-opens when the probes fail', async () => {
      await toHalfOpen();
      const events = transitions(breaker);
      await fail(breaker, spec.probes);
      expect(breaker.state).toBe('open');
      expect(events.list).toEqual(['half-open>open']);
      expect(isBrokenCircuitError(await breaker.execute(ok).catch((e: unknown) => e))).toBe(true);
    });

    it('admits only its probes while they are in flight', async () => {
      await toHalfOpen();
      const pending = Array.from({ length: spec.probes }, () => deferred());
      const probes = pending.map((d) => breaker.execute(() => d.promise));
      expect(breaker.admits()).toBe(false);
      const extra = vi.fn(ok);
      const rejected = await breaker.execute(extra).catch((e: unknown) => e);
      expect(isBrokenCircuitError(rejected)).toBe(true);
      expect((rejected as { retryAfterMs: number }).retryAfterMs).toBe(0);
      expect(extra).not.toHaveBeenCalled();
      expect(breaker.snapshot().inFlight).toBe(spec.probes);
      for (const d of pending) d.resolve('ok');
      await Promise.all(probes);
      expect(breaker.state).toBe('closed');
      expect(breaker.snapshot().inFlight).toBe(0);
    });

    it('isolate() holds the circuit open until reset()', async () => {
      const events = transitions(breaker);
      breaker.isolate();
      expect(breaker.state).toBe('isolated');
      expect(breaker.admits()).toBe(false);
      const fn = vi.fn(ok);
      const error = await breaker.execute(fn).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IsolatedCircuitError);
      expect(isIsolatedCircuitError(error)).toBe(true);
      expect(fn).not.toHaveBeenCalled();
      h.advance(spec.waitMs * 10);
      expect(breaker.state).toBe('isolated');
      breaker.isolate();
      breaker.reset();
      expect(breaker.state).toBe('closed');
      await expect(breaker.execute(ok)).resolves.toBe('ok');
      expect(events.list).toEqual(['closed>isolated', 'isolated>closed']);
      expect(events.changes.map((c) => c.reason)).toEqual(['isolated by operator', 'reset by operator']);
    });

    it('reset() closes an open circuit with an empty window', async () => {
      await trip();
      breaker.reset();
      expect(breaker.state).toBe('closed');
      expect(breaker.snapshot()).toMatchObject({ state: 'closed', calls: 0, failures: 0 });
      // The old failures are gone: it takes a full minimum of new ones to open again.
      await fail(breaker, spec.minimumCalls - 1);
      expect(breaker.state).toBe('closed');
    });

    it('reset() drops the outcomes of calls in flight across it: they neither count nor open the circuit', async () => {
      const gates = Array.from({ length: spec.minimumCalls * 2 }, () => deferred<string>());
      const calls = gates.map((gate) => breaker.execute(() => gate.promise).catch((e: unknown) => e));
      breaker.reset();
      await succeed(breaker, 1);
      for (const gate of gates) gate.reject(new Error('late'));
      for (const result of await Promise.all(calls)) expect(result).toMatchObject({ message: 'late' });
      expect(breaker.snapshot()).toMatchObject({ state: 'closed', calls: 1, failures: 0 });
    });

    it('does not count calls the caller aborted as failures', async () => {
      for (let i = 0; i < spec.minimumCalls * 2; i++) {
        const controller = new AbortController();
        const call = breaker.execute(untilAborted, controller.signal);
        const reason = new Error(`caller gave up ${i}`);
        controller.abort(reason);
        await expect(call).rejects.toBe(reason);
      }
      expect(breaker.state).toBe('closed');
      const snapshot = breaker.snapshot();
      expect(snapshot.failures).toBe(0);
      expect(snapshot.calls).toBe(spec.abortsRecordedAsCalls ? spec.minimumCalls * 2 : 0);
    });

    it('counts a call cut short by a deadline (timeout abort reason) as a failure', async () => {
      for (let i = 0; i < spec.minimumCalls; i++) {
        const controller = new AbortController();
        const call = breaker.execute(untilAborted, controller.signal);
        // Switchyard's TimeoutError, or the DOMException of AbortSignal.timeout().
        const reason =
          i % 2 === 0
            ? new SwitchyardError('SWITCHYARD_TIMEOUT', 'timed out')
            : new DOMException('deadline', 'TimeoutError');
        controller.abort(reason);
        await expect(call).rejects.toBe(reason);
      }
      expect(breaker.state).toBe('open');
    });

    it(`an aborted half-open probe ${spec.abortedProbe === 'released' ? 'hands its permit back' : 're-opens the circuit'}`, async () => {
      await toHalfOpen();
      const pending = Array.from({ length: spec.probes - 1 }, () => deferred());
      const held = pending.map((d) => breaker.execute(() => d.promise));
      const controller = new AbortController();
      const aborted = breaker.execute(untilAborted, controller.signal);
      expect(breaker.admits()).toBe(false);
      controller.abort(new Error('gone'));
      await expect(aborted).rejects.toThrow('gone');
      if (spec.abortedProbe === 'released') {
        expect(breaker.state).toBe('half-open');
        expect(breaker.admits()).toBe(true);
        await expect(breaker.execute(ok)).resolves.toBe('ok');
        for (const d of pending) d.resolve('ok');
        await Promise.all(held);
        expect(breaker.state).toBe('closed');
      } else {
        expect(breaker.state).toBe('open');
        for (const d of pending) d.resolve('ok');
        await Promise.all(held);
      }
    });

    it('rejects at once for a signal that is already aborted, without calling or counting', async () => {
      const controller = new AbortController();
      const reason = new Error('already gone');
      controller.abort(reason);
      const fn = vi.fn(ok);
      await expect(breaker.execute(fn, controller.signal)).rejects.toBe(reason);
      expect(fn).not.toHaveBeenCalled();
      expect(breaker.snapshot()).toMatchObject({ calls: 0, failures: 0, inFlight: 0 });
    });

    it('counts a non-Error rejection as a failure and rejects with the original value', async () => {
      for (let i = 0; i < spec.minimumCalls; i++) {
        await expect(breaker.execute(() => Promise.reject('plain string'))).rejects.toBe('plain string');
      }
      expect(breaker.state).toBe('open');
    });

    it('counts a function that throws synchronously as a failure', async () => {
      const error = new Error('sync');
      const thrower = (): Promise<string> => {
        throw error;
      };
      for (let i = 0; i < spec.minimumCalls; i++) await expect(breaker.execute(thrower)).rejects.toBe(error);
      expect(breaker.state).toBe('open');
    });

    it('stops delivering state changes to disposed subscriptions and after dispose()', async () => {
      const seen: string[] = [];
      const subscription = breaker.onStateChange((c) => seen.push(`a:${c.to}`));
      breaker.onStateChange((c) => seen.push(`b:${c.to}`));
      breaker.isolate();
      subscription.dispose();
      subscription.dispose();
      breaker.reset();
      expect(seen).toEqual(['a:isolated', 'b:isolated', 'b:closed']);
      breaker.dispose();
      breaker.isolate();
      expect(seen).toHaveLength(3);
    });

    it('keeps working when a listener throws', async () => {
      const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      try {
        breaker.onStateChange(() => {
          throw new Error('listener bug');
        });
        await trip();
        await expect(breaker.execute(boom)).rejects.toSatisfy(isBrokenCircuitError);
        await new Promise<void>((resolve) => queueMicrotask(resolve));
        expect(warnings).toHaveBeenCalledWith(expect.stringContaining('listener bug'));
      } finally {
        warnings.mockRestore();
      }
    });
  });
}
