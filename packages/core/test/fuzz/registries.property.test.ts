// Case 13: StaticRegistry (config, options, set, register, filters) and ConsulRegistry
// (options, register) refuse bad input with a ConfigError naming the option; hosts are
// DNS names or IP literals, so what reaches a URL is only ever a host.
import { type InstanceInput, type Registration, StaticRegistry } from '@switchyard/core';
import { ConsulRegistry, type ConsulRegistryOptions } from '@switchyard/core/consul';
import { instanceAuthority } from '@switchyard/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  at,
  badChoice,
  badNumber,
  expectConfigError,
  junk,
  MAX_TIMER,
  optionProperties,
  RUNS,
  SEED,
  thrownBy,
  unknownKeyAt,
} from './support.js';

/** `[ <hole>, { host: 'a', port: 1 } ]`: a list with its first slot empty. */
function sparseList(): InstanceInput[] {
  const list: InstanceInput[] = [];
  list[1] = { host: 'a', port: 1 };
  return list;
}

const INSTANCE_KEYS = ['id', 'service', 'host', 'port', 'weight', 'tags', 'meta', 'zone', 'health'];
const HEALTH = ['passing', 'warning', 'critical'];

/** Hosts a request can go to as they are: RFC 1123 names, IPv4 and IPv6 literals. */
const validHost = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom('localhost', '127.0.0.1', '::1', 'a-b.c1'),
);

/** What the fuzzing found accepted, and near-misses built from valid hosts. */
const badHost = fc.oneof(
  junk('string'),
  fc.constantFrom(
    '',
    'a b',
    'x/y',
    'x#y',
    'user@h',
    'h:8080',
    'http://x',
    'a\nb',
    '[::1]',
    'fe80::1%eth0',
    '-a.b',
    'a-.b',
    'a..b',
    '.a',
    'a.',
    'under_score',
    '1.2.3',
    '256.1.1.1',
    '0x7f.1',
    `${'a'.repeat(64)}.b`,
    `${'a.'.repeat(127)}ab`,
  ),
  fc
    .tuple(
      fc.oneof(fc.domain(), fc.ipV4()),
      fc.constantFrom(' ', '/', '#', '?', '@', ':', '\n', '\t', '%', '[', ']', '\\', '_', '*', '\u00e9'),
      fc.nat(),
    )
    .map(([host, char, n]) => {
      const i = n % (host.length + 1);
      return `${host.slice(0, i)}${char}${host.slice(i)}`;
    }),
);

const instanceArb: fc.Arbitrary<InstanceInput> = fc.record(
  {
    host: validHost,
    port: fc.integer({ min: 1, max: 65535 }),
    weight: fc.double({ min: 0, max: 1e6, noNaN: true }),
    tags: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
    meta: fc.oneof(
      fc.constant({}),
      fc.record({ scheme: fc.constantFrom('http', 'https') }),
      fc.record({ v: fc.string() }),
    ),
    zone: fc.stringMatching(/^[a-z]{1,4}$/),
    health: fc.constantFrom('passing', 'warning', 'critical' as const),
  },
  { requiredKeys: ['host', 'port'] },
);

/** Invalid values for one instance field, the option named `${prefix}.<field>`. */
function badInstance(prefix: readonly (string | number)[], name: string) {
  const n = (field: string) => `${name}.${field}`;
  return fc.oneof(
    at([...prefix, 'host'], badHost, n('host')),
    at([...prefix, 'port'], badNumber(1, 65535, { integer: true }), n('port')),
    at([...prefix, 'weight'], badNumber(0, Number.POSITIVE_INFINITY), n('weight')),
    at([...prefix, 'tags'], fc.oneof(junk('array'), fc.constant([1])), n('tags')),
    at([...prefix, 'meta'], junk('object'), n('meta')),
    at([...prefix, 'meta', 'k'], junk('string'), n('meta.k')),
    at(
      [...prefix, 'meta', 'scheme'],
      badChoice(['http', 'https']).filter((v) => typeof v === 'string'),
      n('meta.scheme'),
    ),
    at([...prefix, 'zone'], fc.oneof(junk('string'), fc.constantFrom('', ' ')), n('zone')),
    at([...prefix, 'health'], badChoice(HEALTH), n('health')),
    at([...prefix, 'id'], fc.oneof(junk('string'), fc.constant('')), n('id')),
  );
}

describe('case 13: hosts', () => {
  it('a valid host reaches the URL as the host and nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(validHost, fc.integer({ min: 1, max: 65535 }), async (host, port) => {
        const registry = new StaticRegistry({ services: { cart: [{ host, port }] } });
        const { instances } = await registry.resolve('cart');
        await registry.close();
        const url = new URL(`http://${instanceAuthority(instances[0] as never)}/p`);
        expect(url.username + url.password + url.search + url.hash).toBe('');
        expect(url.pathname).toBe('/p');
        expect(url.port).toBe(port === 80 ? '' : String(port));
        // Names only: the URL writes IPv4 and IPv6 literals in their canonical form.
        if (!host.includes(':')) expect(url.hostname).toBe(host.toLowerCase());
        // IPv6: bracketed in the authority, so the URL reads the whole literal as the host.
        else expect(url.hostname).toBe(new URL(`http://[${host}]/`).hostname);
      }),
      { seed: SEED, numRuns: RUNS.invalid },
    );
  });
});

describe('case 13: StaticRegistry config and options', () => {
  optionProperties({
    valid: fc
      .record(
        {
          config: fc.record({
            services: fc.record({
              cart: fc.array(instanceArb, { minLength: 1, maxLength: 3 }),
              orders: fc.array(instanceArb, { maxLength: 2 }),
            }),
          }),
          options: fc.record(
            { clock: fc.constant({ now: () => 0 }), onListenerError: fc.constant(() => undefined) },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: ['config'] },
      )
      .map(({ config, options }) => ({
        // Ids must be unique across the registry: make them so.
        config: {
          services: Object.fromEntries(
            Object.entries(config.services).map(([s, list]) => [s, list.map((i, k) => ({ ...i, id: `${s}-${k}` }))]),
          ),
        },
        options,
      })),
    build: ({ config, options }) => new StaticRegistry(config, options),
    dispose: (r) => (r as StaticRegistry).close(),
    invalid: fc.oneof(
      at(['config'], junk('object'), 'config'),
      at(['config', 'services'], junk('object'), 'services'),
      at(['config', 'services', 'cart'], junk('array'), 'services.cart'),
      // A sparse list was a TypeError (reading `id` of undefined).
      at(['config', 'services', 'cart'], fc.constant(sparseList()), 'services.cart[0]'),
      at(['config', 'services', 'cart', 0], junk('object'), 'services.cart[0]'),
      badInstance(['config', 'services', 'cart', 0], 'services.cart[0]'),
      unknownKeyAt(['config', 'services', 'cart', 0], INSTANCE_KEYS, 'services.cart[0]'),
      unknownKeyAt(['config'], ['services'], 'config'),
      at(['options'], junk('object'), 'options'),
      at(['options', 'clock', 'now'], junk('function'), 'options.clock.now'),
      at(['options', 'onListenerError'], junk('function'), 'options.onListenerError'),
      unknownKeyAt(['options'], ['clock', 'onListenerError'], 'options'),
    ),
  });
});

describe('case 13: StaticRegistry.set(service, instances)', () => {
  optionProperties({
    valid: fc
      .array(instanceArb, { minLength: 1, maxLength: 3 })
      .map((list) => list.map((i, k) => ({ ...i, id: `i${k}` }))),
    build: (instances) => {
      const registry = new StaticRegistry();
      try {
        registry.set('cart', instances);
      } finally {
        void registry.close();
      }
    },
    invalid: fc.oneof(
      at([], junk('array'), 'services.cart'),
      at([], fc.constant(sparseList()), 'services.cart[0]'),
      at([0], junk('object'), 'services.cart[0]'),
      badInstance([0], 'services.cart[0]'),
      unknownKeyAt([0], INSTANCE_KEYS, 'services.cart[0]'),
    ),
  });
});

const CHECK_KEYS: Record<string, readonly string[]> = {
  http: ['type', 'url', 'interval', 'timeout', 'deregisterCriticalServiceAfter'],
  tcp: ['type', 'address', 'interval', 'timeout', 'deregisterCriticalServiceAfter'],
  ttl: ['type', 'ttl', 'deregisterCriticalServiceAfter'],
};

const registrationArb: fc.Arbitrary<Registration> = fc
  .tuple(
    instanceArb,
    fc.option(
      fc.oneof(
        fc.constant({ type: 'ttl' as const, ttl: '10s' }),
        fc.constant({ type: 'http' as const, url: 'http://127.0.0.1:1/health', interval: '5s' }),
      ),
      { nil: undefined },
    ),
  )
  .map(([instance, check]) => ({ ...instance, service: 'cart', ...(check === undefined ? {} : { check }) }));

/** What both registries refuse in register(), before any network. */
const badRegistration = fc.oneof(
  at([], junk('object'), 'registration'),
  at(['service'], fc.oneof(junk('string'), fc.constant('')), 'registration.service'),
  badInstance([], 'registration').filter((bad) => bad.path[0] !== 'weight' && bad.path[0] !== 'meta'),
  unknownKeyAt([], [...INSTANCE_KEYS, 'check'], 'registration'),
  at(['check'], junk('object'), 'registration.check'),
  at(['check', 'type'], badChoice(['http', 'tcp', 'ttl']), 'registration.check.type'),
  fc.constantFrom('http', 'tcp', 'ttl').chain((type) =>
    unknownKeyAt(['check'], CHECK_KEYS[type] as string[], 'registration.check').map((bad) => ({
      ...bad,
      path: ['check'],
      value: { type, [bad.path[1] as string]: 1 },
    })),
  ),
);

describe('case 13: StaticRegistry.register(registration)', () => {
  optionProperties({
    valid: registrationArb,
    build: async (registration) => {
      const registry = new StaticRegistry();
      try {
        await registry.register(registration);
      } finally {
        await registry.close();
      }
    },
    invalid: badRegistration,
  });
});

describe('case 13: StaticRegistry resolve/watch filter', () => {
  const validFilter = fc.record(
    {
      tags: fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
      meta: fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
      health: fc.subarray(['passing', 'warning', 'critical'] as const),
      zone: fc.stringMatching(/^[a-z]{1,3}$/),
    },
    { requiredKeys: [] },
  );
  const invalid = fc.oneof(
    at([], junk('object'), 'filter'),
    at(['tags'], fc.oneof(junk('array'), fc.constant([1])), 'filter.tags'),
    at(['meta'], junk('object'), 'filter.meta'),
    at(['meta', 'k'], junk('string'), 'filter.meta.k'),
    at(['health'], fc.oneof(junk('array'), fc.constant(['ok'])), 'filter.health'),
    at(['zone'], fc.oneof(junk('string'), fc.constant('')), 'filter.zone'),
    unknownKeyAt([], ['tags', 'meta', 'health', 'zone'], 'filter'),
  );
  const registry = new StaticRegistry();
  optionProperties({ valid: validFilter, build: (filter) => registry.resolve('cart', filter), invalid });
  optionProperties({
    valid: validFilter,
    build: (filter) => registry.watch('cart', () => undefined, filter).dispose(),
    invalid,
  });
});

const CONSUL_KEYS = [
  'host',
  'port',
  'secure',
  'token',
  'datacenter',
  'wait',
  'requestTimeoutMs',
  'minRetryMs',
  'maxRetryMs',
  'rateLimit',
  'syncIntervalMs',
  'serverFilters',
  'zoneMetaKey',
  'name',
  'clock',
  'wallClock',
  'random',
  'consul',
  'onListenerError',
];

describe('case 13: ConsulRegistry options (no agent needed to construct)', () => {
  const valid: fc.Arbitrary<ConsulRegistryOptions> = fc.record(
    {
      host: fc.constantFrom('127.0.0.1', 'localhost'),
      port: fc.integer({ min: 1, max: 65535 }),
      secure: fc.boolean(),
      token: fc.stringMatching(/^[a-f0-9-]{1,36}$/),
      datacenter: fc.stringMatching(/^[a-z0-9]{1,8}$/),
      wait: fc.oneof(fc.integer({ min: 1, max: 600_000 }), fc.constantFrom('5s', '1m', '250ms')),
      requestTimeoutMs: fc.integer({ min: 1, max: 86_400_000 }),
      minRetryMs: fc.integer({ min: 1, max: 10_000 }),
      rateLimit: fc.oneof(
        fc.constant(false as const),
        fc.record({ intervalMs: fc.integer({ min: 0, max: 1000 }), burst: fc.integer({ min: 1, max: 10 }) }),
      ),
      syncIntervalMs: fc.oneof(fc.constant(false as const), fc.integer({ min: 1, max: MAX_TIMER })),
      zoneMetaKey: fc.stringMatching(/^[a-z_-]{1,10}$/),
      name: fc.stringMatching(/^[a-z]{1,8}$/),
      clock: fc.constant({ now: () => 0 }),
      onListenerError: fc.constant(() => undefined),
    },
    { requiredKeys: [] },
  );
  optionProperties({
    valid,
    build: (o) => new ConsulRegistry(o),
    dispose: (r) => (r as ConsulRegistry).close(),
    invalid: fc.oneof(
      at([], junk('object'), 'options'),
      at(['host'], badHost, 'host'),
      at(['port'], badNumber(1, 65535, { integer: true }), 'port'),
      at(['secure'], junk('boolean'), 'secure'),
      at(['wait'], fc.oneof(fc.constantFrom(0, -1, 600_001, Number.NaN, '10x', '', '11m')), 'wait'),
      // Past 2^31 - 1 ms Node's timers fire at once: a huge timeout was every request timing out.
      at(['requestTimeoutMs'], badNumber(1, 86_400_000), 'requestTimeoutMs'),
      at(['minRetryMs'], badNumber(1, MAX_TIMER), 'minRetryMs'),
      at(
        ['syncIntervalMs'],
        badNumber(1, MAX_TIMER).filter((v) => v !== false),
        'syncIntervalMs',
      ),
      at(['rateLimit'], junk('object', 'boolean'), 'rateLimit'),
      at(['rateLimit', 'intervalMs'], badNumber(0, MAX_TIMER), 'rateLimit.intervalMs'),
      at(['rateLimit', 'burst'], badNumber(1, Number.POSITIVE_INFINITY, { integer: true }), 'rateLimit.burst'),
      at(['zoneMetaKey'], fc.oneof(junk('string'), fc.constantFrom('', 'a b', 'x.y')), 'zoneMetaKey'),
      at(['clock', 'now'], junk('function'), 'clock.now'),
      at(['onListenerError'], junk('function'), 'onListenerError'),
      unknownKeyAt([], CONSUL_KEYS, ''),
    ),
  });
});

describe('case 13: ConsulRegistry.register(registration) refuses before any request', () => {
  it('every invalid registration is a ConfigError naming it', async () => {
    // Port 1 on loopback: nothing listens, so a request sent by mistake would fail as a RegistryError.
    const registry = new ConsulRegistry({ host: '127.0.0.1', port: 1, syncIntervalMs: false });
    try {
      await fc.assert(
        fc.asyncProperty(registrationArb, badRegistration, async (registration, bad) => {
          const input = structuredClone(registration);
          const candidate =
            bad.path.length === 0
              ? bad.value
              : {
                  ...input,
                  [bad.path[0] as string]:
                    bad.path.length === 1
                      ? bad.value
                      : {
                          ...(input as unknown as Record<string, object>)[bad.path[0] as string],
                          [bad.path[1] as string]: bad.value,
                        },
                };
          expectConfigError(await thrownBy(() => registry.register(candidate as Registration)), bad.option);
        }),
        { seed: SEED, numRuns: RUNS.invalid },
      );
    } finally {
      await registry.close();
    }
  });
});
