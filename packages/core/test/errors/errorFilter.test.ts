// The one predicate shape: ErrorFilter built by handleAll, handleWhen, handleType, widened by orWhen/orType.
import {
  BrokenCircuitError,
  ConfigError,
  HttpStatusError,
  handleAll,
  handleType,
  handleWhen,
  TimeoutError,
} from '@switchyard/core';
import { describe, expect, it, vi } from 'vitest';
import { configErrorOf } from '../../../../test/support/configError.js';
import { errorFilterOption, filterHandles } from '../../src/errors/ErrorFilter.js';

const status = (code: number) => new HttpStatusError(new Response(null, { status: code }), undefined);

describe('ErrorFilter builders', () => {
  it('handleAll handles every value, errors or not', () => {
    for (const value of [new Error('x'), 'x', undefined, null, 0, {}]) expect(handleAll.handles(value)).toBe(true);
  });

  it('handleWhen handles what the predicate is true for (only a real true)', () => {
    const filter = handleWhen((error) => error === 'yes');
    expect(filter.handles('yes')).toBe(true);
    expect(filter.handles('no')).toBe(false);
    expect(handleWhen(() => 1 as unknown as boolean).handles('x')).toBe(false);
  });

  it('handleType handles instances, narrowed for its predicate', () => {
    expect(handleType(TimeoutError).handles(new TimeoutError(5))).toBe(true);
    expect(handleType(TimeoutError).handles(new BrokenCircuitError(5))).toBe(false);
    expect(handleType(RangeError).handles(new RangeError('x'))).toBe(true);
    const only5xx = handleType(HttpStatusError, (error) => error.status >= 500);
    expect(only5xx.handles(status(503))).toBe(true);
    expect(only5xx.handles(status(404))).toBe(false);
    expect(only5xx.handles('not an error')).toBe(false);
  });

  it('orWhen and orType widen a filter and leave the original as it was', () => {
    const base = handleType(TimeoutError);
    const wider = base.orType(HttpStatusError, (error) => error.status === 503).orWhen((error) => error === 'offline');
    expect(wider.handles(new TimeoutError(1))).toBe(true);
    expect(wider.handles(status(503))).toBe(true);
    expect(wider.handles(status(500))).toBe(false);
    expect(wider.handles('offline')).toBe(true);
    expect(base.handles('offline')).toBe(false);
    expect(handleAll.orWhen(() => false).handles('x')).toBe(true);
  });

  it('stops at the first test that handles the error', () => {
    const second = vi.fn(() => true);
    handleWhen(() => true)
      .orWhen(second)
      .handles('x');
    expect(second).not.toHaveBeenCalled();
  });

  it.each([
    ['handleWhen(1)', () => handleWhen(1 as never), 'handleWhen', 'a function (error) => boolean'],
    ['handleType("x")', () => handleType('x' as never), 'handleType', 'an error class'],
    [
      'handleType(Error, 1)',
      () => handleType(Error, 1 as never),
      'handleType predicate',
      'a function (error) => boolean',
    ],
    ['orWhen(null)', () => handleAll.orWhen(null as never), 'orWhen', 'a function (error) => boolean'],
    ['orType({})', () => handleAll.orType({} as never), 'orType', 'an error class'],
  ])('%s is rejected with a ConfigError', (_name, build, option, allowed) => {
    expect(configErrorOf(build)).toMatchObject({ option, allowed });
  });
});

describe('errorFilterOption', () => {
  it('accepts a built filter and any object with a handles method (a filter from another copy)', () => {
    expect(errorFilterOption('retry.handle', handleAll)).toBe(handleAll);
    const custom = { handles: () => true, orWhen: handleAll.orWhen, orType: handleAll.orType };
    expect(errorFilterOption('retry.handle', custom)).toBe(custom);
  });

  it.each([
    ['a function', () => true],
    ['a string', 'all'],
    ['an object without handles', {}],
    ['null', null],
    ['an array', []],
  ])('rejects %s naming the option', (_name, value) => {
    const error = configErrorOf(() => errorFilterOption('hedge.handle', value));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.option).toBe('hedge.handle');
    expect(error.allowed).toBe('an ErrorFilter (handleAll, handleWhen(fn), handleType(Class, fn?))');
  });
});

describe('filterHandles', () => {
  it('answers whenThrows when a predicate throws, and warns once per filter', async () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const buggy = handleWhen(() => {
        throw new Error('predicate bug');
      });
      expect(filterHandles(buggy, 'x', true)).toBe(true);
      expect(filterHandles(buggy, 'x', false)).toBe(false);
      await Promise.resolve();
      expect(warnings).toHaveBeenCalledTimes(1);
      expect(warnings).toHaveBeenCalledWith(expect.stringContaining('predicate bug'));
    } finally {
      warnings.mockRestore();
    }
  });

  it("is the filter's answer otherwise", () => {
    expect(filterHandles(handleAll, 'x', false)).toBe(true);
    expect(
      filterHandles(
        handleWhen(() => false),
        'x',
        true,
      ),
    ).toBe(false);
  });
});
