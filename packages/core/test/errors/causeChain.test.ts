// The one cause-walker: bounded depth, cycle-safe, throw-safe.

import { networkErrorCode } from '@switchyard/core/internal';
import { errorTypeOf } from '@switchyard/core/semconv';
import { describe, expect, it } from 'vitest';
import { findInCauseChain, MAX_CAUSE_DEPTH } from '../../src/errors/causeChain.js';
import { GetterError, proxyWithThrowingTraps, revokedProxy } from './support.js';

/** A chain of `length` plain Errors, the last with `code`. */
function chain(length: number, code: string): Error {
  let error: Error = Object.assign(new Error(`link ${length - 1}`), { code });
  for (let i = length - 2; i >= 0; i--) error = new Error(`link ${i}`, { cause: error });
  return error;
}

/** Collects what the walker visits. */
function visited(error: unknown): unknown[] {
  const links: unknown[] = [];
  findInCauseChain(error, (link) => {
    links.push(link);
    return undefined;
  });
  return links;
}

describe('findInCauseChain', () => {
  it('visits the error, then each cause, and returns the first value the visitor returns', () => {
    const inner = Object.assign(new Error('inner'), { code: 'ECONNRESET' });
    const outer = new TypeError('fetch failed', { cause: new Error('middle', { cause: inner }) });
    expect(visited(outer)).toHaveLength(3);
    expect(findInCauseChain(outer, (link) => (link === inner ? 'found' : undefined))).toBe('found');
  });

  it(`reads at most ${MAX_CAUSE_DEPTH} links, the error itself included`, () => {
    expect(MAX_CAUSE_DEPTH).toBe(8);
    expect(networkErrorCode(chain(MAX_CAUSE_DEPTH, 'ECONNREFUSED'))).toBe('ECONNREFUSED');
    expect(networkErrorCode(chain(MAX_CAUSE_DEPTH + 1, 'ECONNREFUSED'))).toBeUndefined();
    expect(visited(chain(100, 'X'))).toHaveLength(MAX_CAUSE_DEPTH);
  });

  it('stops at a cycle, visiting each link once', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    expect(visited(a)).toEqual([a, b]);
    const self = new Error('self');
    Object.defineProperty(self, 'cause', { value: self });
    expect(visited(self)).toEqual([self]);
    expect(networkErrorCode(a)).toBeUndefined();
    expect(errorTypeOf(a)).toBe('_OTHER');
  });

  it('stops at a non-object cause, and visits nothing for a non-object error', () => {
    expect(visited(new Error('x', { cause: 'a string' }))).toHaveLength(1);
    expect(visited('a string')).toEqual([]);
    expect(visited(null)).toEqual([]);
    expect(visited(undefined)).toEqual([]);
  });

  it('treats a throwing cause getter as the end of the chain', () => {
    const error = new Error('outer');
    Object.defineProperty(error, 'cause', {
      get() {
        throw new GetterError('cause');
      },
    });
    expect(visited(error)).toEqual([error]);
    expect(networkErrorCode(error)).toBeUndefined();
  });

  it('walks past a Proxy whose traps throw, and into a revoked Proxy, without throwing', () => {
    const proxy = proxyWithThrowingTraps();
    const links = visited(proxy);
    // Compared by identity: deep equality would itself trip the traps.
    expect(links.length === 1 && links[0] === proxy).toBe(true);
    expect(visited(new Error('outer', { cause: proxy }))).toHaveLength(2);
    expect(visited(new Error('outer', { cause: revokedProxy() }))).toHaveLength(2);
    expect(networkErrorCode(new Error('outer', { cause: proxy }))).toBeUndefined();
  });

  it('a Proxy cause that does answer is read like any error', () => {
    const answering = new Proxy({}, { get: (_target, key) => (key === 'code' ? 'ECONNREFUSED' : undefined) });
    expect(networkErrorCode(new TypeError('fetch failed', { cause: answering }))).toBe('ECONNREFUSED');
  });
});
