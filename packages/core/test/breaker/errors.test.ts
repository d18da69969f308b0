import { BrokenCircuitError, IsolatedCircuitError } from '@switchyard/core';
import { isBrokenCircuitError, isIsolatedCircuitError, isSwitchyardError } from '@switchyard/core/internal';
import { describe, expect, it } from 'vitest';

describe('breaker errors', () => {
  it('BrokenCircuitError carries a whole, non-negative retryAfterMs and a stable code', () => {
    const error = new BrokenCircuitError(1234.2);
    expect(error).toMatchObject({ code: 'SWITCHYARD_BROKEN_CIRCUIT', name: 'BrokenCircuitError', retryAfterMs: 1235 });
    expect(error.message).toBe('Circuit is open; retry after 1235 ms');
    expect(new BrokenCircuitError(-5).retryAfterMs).toBe(0);
    const cause = new Error('opossum');
    expect(new BrokenCircuitError(0, 'half-open', { cause }).cause).toBe(cause);
    expect(isBrokenCircuitError(error)).toBe(true);
    expect(isIsolatedCircuitError(error)).toBe(false);
    expect(isSwitchyardError(error)).toBe(true);
  });

  it('IsolatedCircuitError has its own code and guard', () => {
    const error = new IsolatedCircuitError();
    expect(error).toMatchObject({ code: 'SWITCHYARD_ISOLATED_CIRCUIT', name: 'IsolatedCircuitError' });
    expect(isIsolatedCircuitError(error)).toBe(true);
    expect(isBrokenCircuitError(error)).toBe(false);
    expect(isBrokenCircuitError(new Error('x'))).toBe(false);
  });
});
