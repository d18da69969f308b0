// instanceof across duplicate installs: every Switchyard error class checks the Symbol.for
// brand and the code, so an error made by another copy of the package still matches.
import type * as core from '@switchyard/core';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ConfigError,
  HttpStatusError,
  handleType,
  IsolatedCircuitError,
  NoInstancesError,
  RegistryError,
  SwitchyardError,
  TimeoutError,
} from '@switchyard/core';
import { describe, expect, it, vi } from 'vitest';
import { proxyWithThrowingTraps, revokedProxy } from './support.js';

/** A second, independently evaluated copy of the package, as a duplicate install would load. */
async function secondCopy(): Promise<typeof core> {
  vi.resetModules();
  const copy = (await import('@switchyard/core')) as typeof core;
  expect(copy.SwitchyardError).not.toBe(SwitchyardError);
  return copy;
}

describe('static [Symbol.hasInstance]', () => {
  it("an error from a second copy of the package is instanceof this copy's classes", async () => {
    const copy = await secondCopy();
    const foreign = new copy.BrokenCircuitError(1_500);
    // Without the brand check this would be false: the prototypes differ.
    expect(Object.getPrototypeOf(foreign)).not.toBe(BrokenCircuitError.prototype);
    expect(foreign instanceof BrokenCircuitError).toBe(true);
    expect(foreign instanceof SwitchyardError).toBe(true);
    expect(foreign instanceof IsolatedCircuitError).toBe(false);
    expect(foreign instanceof Error).toBe(true);
    // And the other way round.
    expect(new TimeoutError(5) instanceof copy.TimeoutError).toBe(true);
    expect(new TimeoutError(5) instanceof copy.BrokenCircuitError).toBe(false);
    // Filters built from one copy's classes cover the other's errors.
    expect(handleType(BrokenCircuitError).handles(foreign)).toBe(true);
    expect(copy.handleType(copy.TimeoutError).handles(new TimeoutError(5))).toBe(true);
  });

  it('every class matches its own code and no other', async () => {
    const copy = await secondCopy();
    const response = new Response(null, { status: 503 });
    const pairs: Array<[abstract new (...args: never[]) => unknown, unknown]> = [
      [BrokenCircuitError, new copy.BrokenCircuitError(0)],
      [BulkheadRejectedError, new copy.BulkheadRejectedError(1, 0)],
      [ConfigError, new copy.ConfigError('x', 'y', 1)],
      [HttpStatusError, new copy.HttpStatusError(response, undefined)],
      [IsolatedCircuitError, new copy.IsolatedCircuitError()],
      [NoInstancesError, new copy.NoInstancesError('cart')],
      [RegistryError, new copy.RegistryError('static', 'closed')],
      [TimeoutError, new copy.TimeoutError(10)],
    ];
    for (const [Class, foreign] of pairs) {
      for (const [Other, other] of pairs) expect(other instanceof Class).toBe(Other === Class);
      expect(foreign instanceof SwitchyardError).toBe(true);
    }
  });

  it('a class defined elsewhere with the same brand (an older or newer version) matches by code', () => {
    class ForeignTimeout extends Error {
      readonly code = 'SWITCHYARD_TIMEOUT';
      constructor() {
        super('late');
        Object.defineProperty(this, Symbol.for('switchyard.error'), { value: 'SWITCHYARD_TIMEOUT' });
      }
    }
    const foreign = new ForeignTimeout();
    expect(foreign instanceof TimeoutError).toBe(true);
    expect(foreign instanceof SwitchyardError).toBe(true);
    expect(foreign instanceof BrokenCircuitError).toBe(false);
  });

  it('look-alikes without the brand do not match', () => {
    expect(
      Object.assign(new Error('x'), { code: 'SWITCHYARD_TIMEOUT', name: 'TimeoutError' }) instanceof TimeoutError,
    ).toBe(false);
    expect(new DOMException('late', 'TimeoutError') instanceof TimeoutError).toBe(false);
    for (const value of [undefined, null, 'SWITCHYARD_TIMEOUT', 42, {}, () => {}]) {
      expect(value instanceof SwitchyardError).toBe(false);
    }
  });

  it('a subclass written outside Switchyard keeps the ordinary prototype check', () => {
    class AppError extends SwitchyardError {
      constructor() {
        super('SWITCHYARD_CONFIG', 'app');
      }
    }
    class AppTimeout extends TimeoutError {}
    expect(new AppError() instanceof AppError).toBe(true);
    expect(new AppError() instanceof SwitchyardError).toBe(true);
    expect(new AppError() instanceof ConfigError).toBe(true); // same code, so it is a config error
    expect(new ConfigError('x', 'y', 1) instanceof AppError).toBe(false);
    expect(new AppTimeout(5) instanceof AppTimeout).toBe(true);
    expect(new TimeoutError(5) instanceof AppTimeout).toBe(false);
  });

  it('never throws, even for a Proxy whose traps throw or a revoked Proxy', () => {
    class AppError extends SwitchyardError {}
    for (const hostile of [proxyWithThrowingTraps(), revokedProxy()]) {
      expect(hostile instanceof SwitchyardError).toBe(false);
      expect(hostile instanceof BrokenCircuitError).toBe(false);
      expect(hostile instanceof AppError).toBe(false);
    }
  });
});
