// Case 13: createClient refuses bad options with a ConfigError naming the option path
// (`services.cart.retry.maxAttempts` for an override), and junk returned by a balancer or
// breaker factory is a ConfigError naming that option, not a TypeError later.
import {
  type Balancer,
  type CircuitBreaker,
  type ClientOptions,
  createBalancer,
  createClient,
  handleAll,
  type ServicePolicyOptions,
  SlidingWindowBreaker,
  StaticRegistry,
} from '@switchyard/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  at,
  badChoice,
  badNumber,
  expectConfigError,
  type Invalid,
  junk,
  MAX_TIMER,
  optionProperties,
  type Path,
  RETRY_KEYS,
  SEED,
  thrownBy,
  unknownKeyAt,
} from './support.js';

const BALANCERS = ['round-robin', 'random', 'weighted', 'least-request', 'peak-ewma', 'consistent-hash'] as const;
const SERVICE_KEYS = ['balancer', 'filter', 'breaker', 'retry', 'timeoutMs', 'bulkhead', 'hedge'];
const CLIENT_KEYS = [
  'registry',
  'services',
  'telemetry',
  'fetch',
  'scheme',
  'isFailureStatus',
  'clock',
  ...SERVICE_KEYS,
];
const registry = new StaticRegistry({ services: { cart: [{ host: '127.0.0.1', port: 1 }] } });
afterAll(() => registry.close());

const policies: fc.Arbitrary<ServicePolicyOptions> = fc.record(
  {
    balancer: fc.oneof(
      fc.constantFrom(...BALANCERS),
      fc.constant(() => createBalancer('round-robin')),
    ),
    filter: fc.record({ tags: fc.constant(['a']), health: fc.constant(['passing' as const]) }, { requiredKeys: [] }),
    breaker: fc.oneof(
      fc.constant(false as const),
      fc.record(
        {
          failureRateThreshold: fc.integer({ min: 1, max: 100 }),
          waitDurationInOpenState: fc.integer({ min: 1, max: 120_000 }),
        },
        { requiredKeys: [] },
      ),
      fc.constant(() => new SlidingWindowBreaker()),
    ),
    retry: fc.oneof(
      fc.constant(false as const),
      fc.record(
        {
          maxAttempts: fc.integer({ min: 1, max: 5 }),
          initialDelayMs: fc.integer({ min: 0, max: 100 }),
          handle: fc.constant(handleAll),
          budget: fc.oneof(
            fc.constant(false as const),
            fc.record({ ratio: fc.double({ min: 0, max: 1, noNaN: true }) }, { requiredKeys: [] }),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
    timeoutMs: fc.oneof(fc.constant(false as const), fc.integer({ min: 1, max: MAX_TIMER })),
    bulkhead: fc.oneof(fc.constant(false as const), fc.record({ maxConcurrent: fc.integer({ min: 1, max: 100 }) })),
    hedge: fc.oneof(fc.constant(false as const), fc.record({ delayMs: fc.integer({ min: 0, max: 1000 }) })),
  },
  { requiredKeys: [] },
);

const valid: fc.Arbitrary<ClientOptions> = fc
  .record(
    {
      policies,
      services: fc.record({ cart: policies }, { requiredKeys: [] }),
      scheme: fc.constantFrom('http', 'https' as const),
      isFailureStatus: fc.constant((status: number) => status >= 500),
      clock: fc.constant({ now: () => 0 }),
      fetch: fc.constant(globalThis.fetch),
    },
    { requiredKeys: ['policies'] },
  )
  .map(({ policies: p, ...rest }) => ({ registry, telemetry: false as const, ...p, ...rest }));

/** Invalid values of every per-service option, at `prefix` (top level or `services.cart`). */
function badPolicy(prefix: Path): fc.Arbitrary<Invalid> {
  const p = (...path: (string | number)[]) => [...prefix, ...path];
  const name = (...path: string[]) => [...prefix, ...path].join('.');
  return fc.oneof(
    at(
      p('balancer'),
      badChoice(BALANCERS).filter((v) => typeof v !== 'function'),
      name('balancer'),
    ),
    at(p('filter'), junk('object'), name('filter')),
    at(p('filter', 'health'), fc.oneof(junk('array'), fc.constant(['ok'])), name('filter', 'health')),
    unknownKeyAt(p('filter'), ['tags', 'meta', 'health', 'zone'], name('filter')),
    // `true`, `5`, `'abc'` and `null` were the fuzzer's finds for these three.
    at(
      p('breaker'),
      junk('object', 'function').filter((v) => v !== false),
      name('breaker'),
    ),
    at(
      p('breaker', 'failureRateThreshold'),
      badNumber(0, 100, { minExclusive: true }),
      name('breaker', 'failureRateThreshold'),
    ),
    unknownKeyAt(p('breaker'), ['slidingWindowSize', 'failureRateThreshold'], name('breaker')),
    at(
      p('retry'),
      junk('object').filter((v) => v !== false),
      name('retry'),
    ),
    at(
      p('retry', 'maxAttempts'),
      badNumber(1, Number.POSITIVE_INFINITY, { integer: true }),
      name('retry', 'maxAttempts'),
    ),
    at(p('retry', 'handle'), fc.oneof(junk('object'), fc.constant({})), name('retry', 'handle')),
    unknownKeyAt(p('retry'), RETRY_KEYS, name('retry')),
    at(
      p('retry', 'budget'),
      junk('object').filter((v) => v !== false),
      name('retry', 'budget'),
    ),
    at(p('retry', 'budget', 'ratio'), badNumber(0, 1000), name('retry', 'budget', 'ratio')),
    unknownKeyAt(
      p('retry', 'budget'),
      ['ratio', 'minRetriesPerSecond', 'ttlMs', 'buckets', 'clock'],
      name('retry', 'budget'),
    ),
    at(
      p('timeoutMs'),
      badNumber(1, MAX_TIMER).filter((v) => v !== false),
      name('timeoutMs'),
    ),
    at(
      p('bulkhead'),
      junk('object').filter((v) => v !== false),
      name('bulkhead'),
    ),
    at(
      p('bulkhead', 'maxConcurrent'),
      badNumber(1, Number.POSITIVE_INFINITY, { integer: true }),
      name('bulkhead', 'maxConcurrent'),
    ),
    unknownKeyAt(p('bulkhead'), ['maxConcurrent', 'maxQueue'], name('bulkhead')),
    at(
      p('hedge'),
      junk('object').filter((v) => v !== false),
      name('hedge'),
    ),
    at(p('hedge', 'delayMs'), badNumber(0, MAX_TIMER), name('hedge', 'delayMs')),
    unknownKeyAt(p('hedge'), ['delayMs', 'maxHedges', 'handle', 'idempotent'], name('hedge')),
  );
}

describe('case 13: createClient options', () => {
  optionProperties({
    valid,
    build: (o) => createClient(o),
    dispose: (c) => (c as ReturnType<typeof createClient>).close(),
    invalid: fc.oneof(
      at([], junk('object'), 'client options'),
      at(['registry'], fc.oneof(junk('object'), fc.constant({ resolve: () => undefined })), 'registry'),
      at(['scheme'], badChoice(['http', 'https']), 'scheme'),
      at(['fetch'], junk('function'), 'fetch'),
      at(['isFailureStatus'], junk('function'), 'isFailureStatus'),
      // `{}` was a TypeError at the first clock read.
      at(['clock'], junk('object'), 'clock'),
      at(['clock'], fc.constantFrom({}, { now: 1 }), 'clock.now'),
      at(
        ['telemetry'],
        junk('object').filter((v) => v !== false),
        'telemetry',
      ),
      unknownKeyAt(['telemetry'], ['tracerProvider', 'meterProvider', 'loggerProvider'], 'telemetry'),
      at(['services'], junk('object'), 'services'),
      at(['services', 'cart'], junk('object'), 'services.cart'),
      unknownKeyAt(['services', 'cart'], SERVICE_KEYS, 'services.cart'),
      unknownKeyAt([], CLIENT_KEYS, ''),
      badPolicy([]),
      // Every override error names the service.
      badPolicy(['services', 'cart']),
    ),
  });
});

describe('case 13: what balancer and breaker factories return', () => {
  const notBalancer = fc.oneof(
    junk('object'),
    fc.constant({}),
    fc.constant({ name: 'x' }),
    fc.constant({ name: 5, pick: () => undefined }),
    fc.constant({ name: 'x', pick: () => undefined, retain: 5 }),
  );
  const notBreaker = fc.oneof(
    junk('object'),
    fc.constant({}),
    fc.constant({ execute: () => undefined }),
    fc.constant({ ...new SlidingWindowBreaker(), onStateChange: 5 }),
  );

  it('junk from a factory rejects the call with a ConfigError naming the option, default or per service', async () => {
    // Breakers are made as the client's watch sees instances, but a factory's junk fails the
    // call, not that listener: nothing may reach the registry's listener-error handler.
    const listenerErrors: unknown[] = [];
    const watched = new StaticRegistry(
      { services: { cart: [{ host: '127.0.0.1', port: 1 }] } },
      { onListenerError: (error) => listenerErrors.push(error) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('balancer', 'breaker'),
        fc.boolean(),
        notBalancer,
        notBreaker,
        async (which, perService, balancerJunk, breakerJunk) => {
          const factory =
            which === 'balancer'
              ? { balancer: () => balancerJunk as Balancer }
              : { breaker: () => breakerJunk as CircuitBreaker };
          const client = createClient({
            registry: watched,
            telemetry: false,
            retry: false,
            ...(perService ? { services: { cart: factory } } : factory),
          });
          try {
            const error = await thrownBy(() => client.call('cart', async () => 'ok'));
            expectConfigError(error, perService ? `services.cart.${which}` : which);
          } finally {
            await client.close();
          }
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
    await watched.close();
    expect(listenerErrors).toEqual([]);
  });

  it('what a working factory returns is used', async () => {
    const client = createClient({ registry, telemetry: false, balancer: () => createBalancer('random') });
    await expect(client.call('cart', async (instance) => instance.port)).resolves.toBe(1);
    await client.close();
  });
});
