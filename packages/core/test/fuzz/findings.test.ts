// Case 13: each input the fuzzing of issue 8 found, as a fixed example (the property tests
// beside this file search around them). Each must be a ConfigError naming the option.
import {
  bulkhead,
  type ClientOptions,
  createClient,
  hedge,
  type InstanceFilter,
  type InstanceInput,
  retry,
  retryBudget,
  SlidingWindowBreaker,
  StaticRegistry,
  SwitchyardTelemetry,
  timeout,
} from '@switchyard/core';
import { ConsulRegistry } from '@switchyard/core/consul';
import { afterAll, describe, expect, it } from 'vitest';
import { expectConfigError, thrownBy } from './support.js';

const registry = new StaticRegistry({ services: { cart: [{ host: '127.0.0.1', port: 1 }] } });
afterAll(() => registry.close());

function sparse(): InstanceInput[] {
  const list: InstanceInput[] = [];
  list[1] = { host: 'a', port: 1 };
  return list;
}

/** Builds a client from `options` (over a registry, no telemetry) and closes it if it was built. */
async function client(options: Record<string, unknown>): Promise<void> {
  const c = createClient({ registry, telemetry: false, ...options } as ClientOptions);
  await c.close();
}

describe('case 13: TypeError instead of ConfigError', () => {
  it.each([
    [
      'a sparse instance list in the static config',
      () => new StaticRegistry({ services: { cart: sparse() } }),
      'services.cart[0]',
    ],
    ['a sparse instance list in set()', () => new StaticRegistry().set('cart', sparse()), 'services.cart[0]'],
    ['retryBudget({ clock: {} })', () => retryBudget({ clock: {} as never }), 'retryBudget.clock.now'],
    ['createClient({ clock: {} })', () => client({ clock: {} }), 'clock.now'],
    ['timeout(100, null)', () => timeout(100, null as never), 'timeout'],
  ])('%s', async (_name, run, option) => {
    expectConfigError(await thrownBy(run), option);
  });
});

describe('case 13: hosts that are not hosts', () => {
  it.each(['a b', 'x/y', 'x#y', 'user@h', 'h:8080', 'http://x', 'a\nb', '[::1]', 'fe80::1%eth0', 'a_b', ''])(
    '%j is refused in the config, set(), register() on both registries',
    async (host) => {
      expectConfigError(
        await thrownBy(() => new StaticRegistry({ services: { cart: [{ host, port: 1 }] } })),
        'services.cart[0].host',
      );
      expectConfigError(
        await thrownBy(() => new StaticRegistry().set('cart', [{ host, port: 1 }])),
        'services.cart[0].host',
      );
      expectConfigError(
        await thrownBy(() => new StaticRegistry().register({ service: 'cart', host, port: 1 })),
        'registration.host',
      );
      const consul = new ConsulRegistry({ host: '127.0.0.1', port: 1, syncIntervalMs: false });
      expectConfigError(await thrownBy(() => consul.register({ service: 'cart', host, port: 1 })), 'registration.host');
      await consul.close();
    },
  );

  it.each(['cart', 'cart.internal', 'localhost', '10.0.0.5', '::1', 'fd00::5', 'a-b.c1'])('%j is accepted', (host) => {
    expect(() => new StaticRegistry({ services: { cart: [{ host, port: 1 }] } })).not.toThrow();
  });
});

describe('case 13: meta.scheme other than http(s)', () => {
  it("meta.scheme 'ftp' is refused", async () => {
    expectConfigError(
      await thrownBy(
        () => new StaticRegistry({ services: { cart: [{ host: 'a', port: 1, meta: { scheme: 'ftp' } }] } }),
      ),
      'services.cart[0].meta.scheme',
    );
  });
});

describe("case 13: createClient's filter", () => {
  it.each([
    [5, 'filter'],
    [{ health: ['ok'] }, 'filter.health'],
    [{ tag: ['a'] }, 'filter.tag'],
    [{ zone: 1 }, 'filter.zone'],
  ])('filter %j', async (filter, option) => {
    expectConfigError(await thrownBy(() => client({ filter })), option);
    expectConfigError(await thrownBy(() => client({ services: { cart: { filter } } })), `services.cart.${option}`);
  });
});

describe('case 13: junk from balancer and breaker factories', () => {
  it.each([
    ['balancer', { balancer: () => 5 }],
    ['balancer', { balancer: () => ({ name: 'x' }) }],
    ['breaker', { breaker: () => ({}) }],
    ['breaker', { breaker: () => ({ ...new SlidingWindowBreaker(), execute: undefined }) }],
  ])('%s factory returning junk', async (option, options) => {
    const errors: unknown[] = [];
    const watched = new StaticRegistry(
      { services: { cart: [{ host: '127.0.0.1', port: 1 }] } },
      { onListenerError: (error) => errors.push(error) },
    );
    const c = createClient({ registry: watched, telemetry: false, ...options } as unknown as ClientOptions);
    expectConfigError(await thrownBy(() => c.call('cart', async () => 'ok')), option);
    // The call gets the error; the registry's listener (which syncs the breakers) does not throw it too.
    expect(errors).toEqual([]);
    await c.close();
    await watched.close();
  });
});

describe('case 13: retry, breaker, timeoutMs given true, 5, "abc", null', () => {
  const cases = ['retry', 'breaker', 'timeoutMs'].flatMap((option) =>
    [true, 5, 'abc', null]
      // 5 ms is a valid timeout.
      .filter((value) => !(option === 'timeoutMs' && value === 5))
      .map((value) => [option, value] as const),
  );
  it.each(cases)('%s: %j', async (option, value) => {
    expectConfigError(await thrownBy(() => client({ [option]: value })), option);
    expectConfigError(
      await thrownBy(() => client({ services: { cart: { [option]: value } } })),
      `services.cart.${option}`,
    );
  });
});

describe('case 13: unknown keys', () => {
  it.each([
    ['client', () => client({ retyr: {} }), 'retyr'],
    ['client retry', () => client({ retry: { maxAtempts: 2 } }), 'retry.maxAtempts'],
    ['client budget', () => client({ retry: { budget: { ratoi: 1 } } }), 'retry.budget.ratoi'],
    ['client bulkhead', () => client({ bulkhead: { maxConcurrent: 1, maxQueu: 1 } }), 'bulkhead.maxQueu'],
    ['client hedge', () => client({ hedge: { delayMs: 1, delay: 1 } }), 'hedge.delay'],
    ['client telemetry', () => client({ telemetry: { tracer: {} } }), 'telemetry.tracer'],
    ['retry()', () => retry({ maxAtempts: 2 } as never), 'retry.maxAtempts'],
    ['retryBudget()', () => retryBudget({ ratoi: 1 } as never), 'retryBudget.ratoi'],
    ['bulkhead()', () => bulkhead({ maxConcurrent: 1, maxQueu: 1 } as never), 'bulkhead.maxQueu'],
    ['hedge()', () => hedge({ delayMs: 1, delay: 1 } as never), 'hedge.delay'],
    ['SwitchyardTelemetry', () => new SwitchyardTelemetry({ tracer: {} } as never), 'telemetry.tracer'],
    [
      'breaker backoff',
      () => new SlidingWindowBreaker({ openStateBackoff: { multiplier: 2, maxMs: 1e5, max: 1 } as never }),
      'breaker.openStateBackoff.max',
    ],
    ['StaticRegistry options', () => new StaticRegistry({ services: {} }, { clok: {} } as never), 'options.clok'],
    [
      'StaticRegistry.register',
      () => new StaticRegistry().register({ service: 'cart', host: 'a', port: 1, wieght: 2 } as never),
      'registration.wieght',
    ],
    [
      'StaticRegistry.register check',
      () =>
        new StaticRegistry().register({
          service: 'cart',
          host: 'a',
          port: 1,
          check: { type: 'ttl', ttl: '5s', intervall: '1s' },
        } as never),
      'registration.check.intervall',
    ],
  ])('%s', async (_name, run, option) => {
    expectConfigError(await thrownBy(run), option);
  });
});

describe('case 13: per-service override errors name the service', () => {
  it.each([
    [{ retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
    [{ retry: { budget: { ratio: -1 } } }, 'retry.budget.ratio'],
    [{ breaker: { failureRateThreshold: 200 } }, 'breaker.failureRateThreshold'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ bulkhead: { maxConcurrent: 0 } }, 'bulkhead.maxConcurrent'],
    [{ hedge: { delayMs: -1 } }, 'hedge.delayMs'],
    [{ balancer: 'fastest' }, 'balancer'],
    [{ filter: { zone: '' } }, 'filter.zone'],
  ])('services.cart %j', async (override, option) => {
    expectConfigError(await thrownBy(() => client({ services: { cart: override } })), `services.cart.${option}`);
  });
});

describe('case 13: weights whose sum overflows', () => {
  it('two instances of weight 1e308 behind the weighted balancer: every call succeeds, evenly spread', async () => {
    const heavy = new StaticRegistry({
      services: {
        cart: [
          { id: 'a', host: '127.0.0.1', port: 1, weight: 1e308 },
          { id: 'b', host: '127.0.0.1', port: 2, weight: 1e308 },
        ],
      },
    });
    const c = createClient({ registry: heavy, telemetry: false, balancer: 'weighted', breaker: false, retry: false });
    const picked: string[] = [];
    for (let i = 0; i < 10; i++) picked.push(await c.call('cart', async (instance) => instance.id));
    expect(picked.filter((id) => id === 'a')).toHaveLength(5);
    await c.close();
    await heavy.close();
  });
});

describe("case 13: ConsulRegistry's resolve/watch filter, checked as StaticRegistry's is", () => {
  it('refuses a misspelt filter key before any query (it was silently ignored)', async () => {
    // Port 1 on loopback: nothing listens, and nothing is asked before the filter is checked.
    const consul = new ConsulRegistry({ host: '127.0.0.1', port: 1, syncIntervalMs: false });
    try {
      const bad = { tag: ['a'] } as unknown as InstanceFilter;
      expectConfigError(await thrownBy(() => consul.watch('cart', () => undefined, bad)), 'filter.tag');
      expectConfigError(await thrownBy(() => consul.resolve('cart', bad)), 'filter.tag');
    } finally {
      await consul.close();
    }
  });
});
