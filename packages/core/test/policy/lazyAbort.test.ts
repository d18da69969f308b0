// LazyAbort is the abort target client.request hands undici. Its listeners used to run
// unguarded: one that threw stopped the others and escaped abort(), which a timeout or a
// hedge calls just before settling the call, so the call could hang.
import { once } from 'node:events';
import { LazyAbort } from '@switchyard/core/internal';
import { describe, expect, it } from 'vitest';

describe('LazyAbort', () => {
  it('runs every listener when one throws, does not throw from abort(), and warns', async () => {
    const target = new LazyAbort();
    const ran: string[] = [];
    target.addEventListener('abort', () => {
      ran.push('first');
      throw new Error('listener broke');
    });
    target.addEventListener('abort', () => ran.push('second'));
    const warned = once(process, 'warning');
    expect(() => target.abort(new Error('deadline'))).not.toThrow();
    expect(ran).toEqual(['first', 'second']);
    expect(target.aborted).toBe(true);
    const [warning] = (await warned) as [Error];
    expect(warning.message).toContain('listener broke');
  });
});
