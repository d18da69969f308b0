import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ConfigError,
  ConnectionError,
  createInstance,
  HttpStatusError,
  IsolatedCircuitError,
  NoInstancesError,
  RegistryError,
  SwitchyardError,
  TimeoutError,
} from '@switchyard/core';
import { isConfigError, isSwitchyardError } from '@switchyard/core/internal';
import { describe, expect, it } from 'vitest';
import { SWITCHYARD_ERROR_CODES } from '../src/errors/SwitchyardError.js';

describe('errors', () => {
  it('ConfigError names the option, what is allowed and what was given', () => {
    const error = new ConfigError('retry.maxAttempts', 'an integer >= 1', -2);
    expect(error.message).toBe('Invalid option "retry.maxAttempts": expected an integer >= 1, received -2');
    expect(error.code).toBe('SWITCHYARD_CONFIG');
    expect(error.name).toBe('ConfigError');
    expect(isConfigError(error)).toBe(true);
    expect(isSwitchyardError(error)).toBe(true);
    expect(isConfigError(new NoInstancesError('cart'))).toBe(false);
    expect(isSwitchyardError(new Error('plain'))).toBe(false);
  });

  it('brand guards work on errors from another copy of the package', () => {
    // A structurally different object carrying the same global brand, as a duplicate install would create.
    const foreign = Object.assign(new Error('x'), { code: 'SWITCHYARD_CONFIG' });
    Object.defineProperty(foreign, Symbol.for('switchyard.error'), { value: 'SWITCHYARD_CONFIG' });
    expect(isConfigError(foreign)).toBe(true);
    expect(foreign instanceof ConfigError).toBe(true);
    expect(foreign instanceof SwitchyardError).toBe(true);
  });

  it('every code in the union belongs to exactly one error class (no code without a thrower)', () => {
    const made = [
      new ConfigError('x', 'y', 1),
      new NoInstancesError('cart'),
      new RegistryError('static', 'closed'),
      new BrokenCircuitError(0),
      new IsolatedCircuitError(),
      new TimeoutError(1),
      new BulkheadRejectedError(1, 0),
      new HttpStatusError(new Response(null, { status: 503 }), undefined),
      new ConnectionError('cart', 'cart-1', '127.0.0.1:1', 'ECONNREFUSED'),
    ];
    expect(made.map((error) => error.code).sort()).toEqual([...SWITCHYARD_ERROR_CODES].sort());
    expect(SWITCHYARD_ERROR_CODES).not.toContain('SWITCHYARD_RETRY_BUDGET_EXHAUSTED');
    expect(SWITCHYARD_ERROR_CODES).not.toContain('SWITCHYARD_ABORTED');
  });
});

describe('createInstance', () => {
  it('fills defaults and freezes', () => {
    const instance = createInstance({ host: '127.0.0.1', port: 8080 }, 'cart');
    expect(instance).toEqual({
      id: 'cart-127.0.0.1:8080',
      service: 'cart',
      host: '127.0.0.1',
      port: 8080,
      weight: 1,
      tags: [],
      meta: {},
      health: 'passing',
    });
    expect(Object.isFrozen(instance)).toBe(true);
  });

  it.each([
    [{ host: '127.0.0.1', port: 0 }, 'instance.port', 'an integer from 1 to 65535'],
    [{ host: '127.0.0.1', port: 70000 }, 'instance.port', 'an integer from 1 to 65535'],
    [
      { host: '', port: 80 },
      'instance.host',
      'a DNS name (letters, digits and "-" in dot-separated labels of 1 to 63, at most 253 in all), an IPv4 address (1.2.3.4) or an IPv6 address without brackets or zone (::1)',
    ],
    [{ host: 'a', port: 80, weight: -1 }, 'instance.weight', 'a finite number >= 0'],
    [{ host: 'a', port: 80, health: 'sick' }, 'instance.health', 'one of "passing", "warning", "critical"'],
    [{ host: 'a', port: 80, tags: [1] }, 'instance.tags', 'an array of strings'],
  ])('rejects %j', (input, option, allowed) => {
    const attempt = () => createInstance(input as never, 'cart');
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).option).toBe(option);
      expect((error as ConfigError).allowed).toBe(allowed);
    }
  });

  it('rejects an empty service name', () => {
    expect(() => createInstance({ host: 'a', port: 1 }, '')).toThrow(/"instance.service": expected a non-empty string/);
  });
});

describe('ConfigError and secrets', () => {
  it('never shows the value of an option named like a secret, even a misspelt or unknown one', () => {
    const token = '0f3c9a1e-7b2d-4e5f-9a8b-1c2d3e4f5a6b';
    for (const option of ['aclToken', 'Token', 'services.cart.password', 'instances[2].apiKey']) {
      const error = new ConfigError(option, 'no such option', token);
      expect(error.message).not.toContain(token.slice(0, 8));
      expect(error.message).toContain('[redacted]');
    }
    // Other options still show what was given.
    expect(new ConfigError('host', 'a host', 'a b').message).toContain('"a b"');
  });
});
