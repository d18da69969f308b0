import { fallback, HttpStatusError, handleType, handleWhen, retry, timeout, wrap } from '@switchyard/core';
import type { FallbackEvent } from '@switchyard/core/internal';
import { describe, expect, expectTypeOf, it } from 'vitest';

describe('FallbackPolicy', () => {
  it('passes a success through', async () => {
    await expect(fallback('cached').execute(async () => 'fresh')).resolves.toBe('fresh');
  });

  it('substitutes a value on failure and reports it', async () => {
    const policy = fallback('cached');
    const events: FallbackEvent[] = [];
    policy.onFallback((e) => events.push(e));
    const error = new Error('down');
    await expect(policy.execute(() => Promise.reject(error))).resolves.toBe('cached');
    expect(events).toEqual([{ error }]);
  });

  it('calls a handler with the error, sync or async', async () => {
    const sync = fallback((error) => `sync: ${(error as Error).message}`);
    await expect(sync.execute(() => Promise.reject(new Error('a')))).resolves.toBe('sync: a');
    const async = fallback(async (error) => `async: ${String(error)}`);
    await expect(async.execute(() => Promise.reject('b'))).resolves.toBe('async: b');
  });

  it('covers only the errors its handle filter accepts', async () => {
    const policy = fallback(0, { handle: handleWhen((error) => (error as { status?: number }).status === 503) });
    await expect(policy.execute(() => Promise.reject(Object.assign(new Error('x'), { status: 503 })))).resolves.toBe(0);
    await expect(policy.execute(() => Promise.reject(Object.assign(new Error('y'), { status: 400 })))).rejects.toThrow(
      'y',
    );
  });

  it('handleType(...).orWhen(...) composes', async () => {
    const response = new Response(null, { status: 502 });
    const policy = fallback('cached', {
      handle: handleType(HttpStatusError, (error) => error.status === 502).orWhen((error) => error === 'offline'),
    });
    await expect(policy.execute(() => Promise.reject(new HttpStatusError(response, undefined)))).resolves.toBe(
      'cached',
    );
    await expect(policy.execute(() => Promise.reject('offline'))).resolves.toBe('cached');
    await expect(policy.execute(() => Promise.reject(new Error('bug')))).rejects.toThrow('bug');
  });

  it('does not hide a caller abort behind the substitute', async () => {
    const controller = new AbortController();
    const policy = fallback('cached');
    const result = policy.execute(
      (ctx) =>
        new Promise<string>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
      controller.signal,
    );
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(result).rejects.toBe(reason);
  });

  it("rejects with the caller's abort reason, whatever the attempt rejected with", async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const result = fallback('cached').execute(async () => {
      controller.abort(reason);
      throw new Error('socket closed'); // a transport that fails its own way
    }, controller.signal);
    await expect(result).rejects.toBe(reason);
  });

  it('widens the result type by its substitute, also inside wrap', () => {
    expectTypeOf(fallback('x').execute(async () => 1)).toEqualTypeOf<Promise<number | string>>();
    expectTypeOf(wrap(fallback(null), retry(), timeout(10)).execute(async () => 1)).toEqualTypeOf<
      Promise<number | null>
    >();
    expectTypeOf(wrap(retry(), timeout(10)).execute(async () => 1)).toEqualTypeOf<Promise<number>>();
  });
});
