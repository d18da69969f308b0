// Bad options and misbehaving call functions: typed errors, nothing swallowed.
import { ConfigError, createClient, type ServiceClient, StaticRegistry } from '@switchyard/core';
import { isNoInstancesError } from '@switchyard/core/internal';
import { afterEach, describe, expect, it } from 'vitest';
import { configErrorOf } from '../../../../test/support/configError.js';

const registries: StaticRegistry[] = [];
const clients: ServiceClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const r of registries.splice(0)) await r.close();
});

function registry(ports: number[] = [8080, 8081]): StaticRegistry {
  const r = new StaticRegistry({ services: { cart: ports.map((port) => ({ host: '127.0.0.1', port })) } });
  registries.push(r);
  return r;
}

function client(options: Omit<Parameters<typeof createClient>[0], 'registry'> = {}): ServiceClient {
  const c = createClient({ registry: registry(), telemetry: false, retry: { initialDelayMs: 0 }, ...options });
  clients.push(c);
  return c;
}

describe('client options', () => {
  it.each([
    [{ registry: undefined }, 'registry'],
    [{ balancer: 'fastest' }, 'balancer'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
    [{ retry: { budget: { ratio: -1 } } }, 'retry.budget.ratio'],
    [{ bulkhead: { maxConcurrent: 0 } }, 'bulkhead.maxConcurrent'],
    [{ hedge: { delayMs: -5 } }, 'hedge.delayMs'],
    [{ breaker: { failureRateThreshold: 150 } }, 'breaker.failureRateThreshold'],
    [{ panicThreshold: 0.5 }, 'panicThreshold'],
    [{ scheme: 'ftp' }, 'scheme'],
    [{ fetch: 'not a function' }, 'fetch'],
  ])('%j → ConfigError naming %s', (options, option) => {
    const error = configErrorOf(() =>
      createClient({ registry: registry(), telemetry: false, ...(options as object) } as never),
    );
    expect(error.option).toBe(option);
    expect(error.message).toContain(`"${option}"`);
  });

  it('validates per-service overrides when the client is created, not at their first call', () => {
    const error = configErrorOf(() =>
      createClient({ registry: registry(), telemetry: false, services: { cart: { retry: { maxAttempts: 0 } } } }),
    );
    expect(error.option).toBe('services.cart.retry.maxAttempts');
  });

  // Regression (reliability issue, smaller divergences): an open wait over 60 s was refused
  // with an error naming breaker.openStateBackoff.maxMs, an option the user never set.
  it('takes an open wait over the default backoff cap, and names the user’s own option when it is bad', () => {
    expect(() =>
      createClient({ registry: registry(), telemetry: false, breaker: { waitDurationInOpenState: 120_000 } }),
    ).not.toThrow();
    const error = configErrorOf(() =>
      createClient({
        registry: registry(),
        telemetry: false,
        breaker: { waitDurationInOpenState: 120_000, openStateBackoff: { multiplier: 2, maxMs: 60_000 } },
      }),
    );
    expect(error.option).toBe('breaker.openStateBackoff.maxMs');
  });

  it('rejects an empty service name with a ConfigError', async () => {
    await expect(client().fetch('', '/')).rejects.toThrow(ConfigError);
  });

  it('names the service when it has no instances', async () => {
    const error = await client()
      .call('nowhere', async () => 1)
      .catch((e: unknown) => e);
    expect(isNoInstancesError(error)).toBe(true);
    expect((error as { service: string }).service).toBe('nowhere');
  });
});

describe('call functions that misbehave', () => {
  it('turns a synchronous throw into a rejection with that error', async () => {
    const boom = new Error('boom');
    const c = client({ retry: false });
    await expect(
      c.call('cart', () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });

  it('passes a non-Error rejection through unchanged', async () => {
    const c = client({ retry: false });
    await expect(c.call('cart', () => Promise.reject('plain string'))).rejects.toBe('plain string');
  });

  it('rejects at once with the reason of a signal that is already aborted, never calling fn', async () => {
    const c = client();
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    let called = false;
    await expect(
      c.call(
        'cart',
        async () => {
          called = true;
        },
        { signal: controller.signal },
      ),
    ).rejects.toThrow('gone');
    expect(called).toBe(false);
  });

  it('does not count caller aborts against the instance breaker', async () => {
    const c = client({ retry: false, breaker: { minimumNumberOfCalls: 2, slidingWindowSize: 2 } });
    for (let i = 0; i < 6; i++) {
      const controller = new AbortController();
      const pending = c.call(
        'cart',
        (_instance, attempt) =>
          new Promise((_, reject) => attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason))),
        { signal: controller.signal },
      );
      controller.abort(new DOMException('stop', 'AbortError'));
      await pending.catch(() => {});
    }
    expect(c.runtime('cart').eligible()).toHaveLength(2);
  });

  it('rejects calls after close', async () => {
    const c = client();
    await c.close();
    await expect(c.call('cart', async () => 1)).rejects.toThrow(ConfigError);
  });
});
