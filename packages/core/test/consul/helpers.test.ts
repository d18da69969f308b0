// The Consul registry's small pure helpers: durations, blocking-query index rules, the
// rate limiter, health aggregation, answer parsing, filter expressions, registration and
// option validation. No agent, no timers.
import type { Registration } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { configErrorOf } from '../../../../test/support/configError.js';
import { ConsulRegistry } from '../../src/consul.js';
import { aggregateHealth } from '../../src/registry/consul/aggregateHealth.js';
import { filterExpression } from '../../src/registry/consul/filterExpression.js';
import { nextIndex, parseIndexHeader } from '../../src/registry/consul/nextIndex.js';
import { goDuration, goDurationMs } from '../../src/registry/consul/parseGoDuration.js';
import { TokenBucket } from '../../src/registry/consul/TokenBucket.js';
import { toAgentRegistration } from '../../src/registry/consul/toAgentRegistration.js';
import { toInstances } from '../../src/registry/consul/toInstance.js';
import { healthEntry } from './support.js';

describe('goDurationMs', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1500us', 1.5],
    ['2µs', 0.002],
    ['0', 0],
  ])('parses %s', (text, ms) => {
    expect(goDurationMs(text)).toBeCloseTo(ms, 9);
  });

  it.each(['10 parsecs', '10', '', 's', '1d', '-1s', '+1s', '1s ', ' 1s', '1S', '1.2.3s'])('refuses %j', (text) => {
    expect(goDurationMs(text)).toBeUndefined();
  });

  it('goDuration names the option and refuses zero and over-long values', () => {
    expect(configErrorOf(() => goDuration('registration.check.interval', '10 parsecs')).option).toBe(
      'registration.check.interval',
    );
    expect(configErrorOf(() => goDuration('x', '0s')).option).toBe('x');
    expect(configErrorOf(() => goDuration('x', 10)).option).toBe('x');
    expect(configErrorOf(() => goDuration('wait', '11m', 600_000)).option).toBe('wait');
    expect(goDuration('wait', '10m', 600_000)).toEqual({ text: '10m', ms: 600_000 });
  });
});

describe('nextIndex (Consul blocking-query rules)', () => {
  it('follows a growing index', () => {
    expect(nextIndex(0n, 42n)).toBe(42n);
    expect(nextIndex(42n, 42n)).toBe(42n);
    expect(nextIndex(42n, 43n)).toBe(43n);
  });

  it('resets to 0 when the index goes backwards', () => {
    expect(nextIndex(100n, 7n)).toBe(0n);
  });

  it('never blocks on an index below 1', () => {
    expect(nextIndex(0n, 0n)).toBe(1n);
  });

  it('keeps uint64 precision', () => {
    expect(nextIndex(2n ** 60n, 2n ** 60n + 1n)).toBe(2n ** 60n + 1n);
    expect(parseIndexHeader('18446744073709551615')).toBe(18446744073709551615n);
  });

  it.each([undefined, '', 'abc', '-1', '1.5', '123456789012345678901'])('refuses the header %j', (value) => {
    expect(parseIndexHeader(value)).toBeUndefined();
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then one query per interval', () => {
    let now = 0;
    const bucket = new TokenBucket(50, 2, { now: () => now });
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(0);
    // The third query reserves the slot at t=50; the caller sleeps, then queries.
    expect(bucket.take()).toBe(50);
    now = 50;
    // The next slot is a full interval after the reserved one.
    expect(bucket.take()).toBe(50);
    now = 100;
    expect(bucket.take()).toBe(50);
    // Reservations while waiting queue up, one interval apart.
    expect(bucket.take()).toBe(100);
    // Long quiet: refills to the burst, not beyond.
    now = 10_000;
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(50);
  });

  it('never waits with a zero interval', () => {
    const bucket = new TokenBucket(0, 1, { now: () => 0 });
    for (let i = 0; i < 10; i++) expect(bucket.take()).toBe(0);
  });
});

describe('aggregateHealth', () => {
  const checks = (...statuses: string[]) => statuses.map((Status) => ({ Status }));
  it.each([
    [checks(), 'passing'],
    [checks('passing', 'passing'), 'passing'],
    [checks('passing', 'warning'), 'warning'],
    [checks('warning', 'critical', 'passing'), 'critical'],
    [checks('critical', 'warning'), 'critical'],
    [checks('passing', 'maintenance'), 'critical'],
    [[{}], 'critical'],
    [undefined, 'passing'],
  ])('%j → %s', (input, health) => {
    expect(aggregateHealth(input)).toBe(health);
  });
});

describe('toInstances', () => {
  it('aggregates node and service checks, maps weights, falls back to the node address', () => {
    const weights = { Passing: 10, Warning: 3 };
    const instances = toInstances(
      'svc',
      [
        healthEntry('c', 3, ['passing', 'critical'], { weights }),
        healthEntry('a', 1, ['passing', 'passing'], { address: '10.0.0.1', weights }),
        // The node check (first) is warning: the whole entry is.
        healthEntry('b', 2, ['warning', 'passing'], { nodeAddress: '10.0.0.2', weights }),
      ],
      'zone',
    );
    expect(instances.map((i) => [i.id, i.host, i.port, i.health, i.weight])).toEqual([
      ['a', '10.0.0.1', 1, 'passing', 10],
      ['b', '10.0.0.2', 2, 'warning', 3],
      ['c', '127.0.0.1', 3, 'critical', 0],
    ]);
    expect(Object.isFrozen(instances[0])).toBe(true);
  });

  it('reads zone, tags and meta; skips unusable entries; qualifies an id seen on two nodes', () => {
    const entry = healthEntry('x', 80) as { Service: Record<string, unknown>; Node: Record<string, unknown> };
    entry.Service.Tags = ['blue', 7];
    entry.Service.Meta = { az: 'eu-1a', version: '2', bad: 3 };
    const twin = structuredClone(entry);
    twin.Node.Node = 'node-2';
    const noPort = healthEntry('y', 0);
    const instances = toInstances('svc', [entry, twin, noPort, null, { Service: {} }], 'az');
    expect(instances.map((i) => i.id)).toEqual(['x', 'x@node-2']);
    expect(instances[0]).toMatchObject({ zone: 'eu-1a', tags: ['blue'], meta: { az: 'eu-1a', version: '2' } });
  });

  it('re-applies a server filter client-side', () => {
    const a = healthEntry('a', 1) as { Service: Record<string, unknown> };
    a.Service.Tags = ['x`"'];
    const b = healthEntry('b', 2);
    expect(toInstances('svc', [a, b], 'zone', { tags: ['x`"'] }).map((i) => i.id)).toEqual(['a']);
  });
});

describe('filterExpression', () => {
  it('quotes plainly, raw when needed, and leaves out what it cannot write', () => {
    expect(filterExpression(undefined)).toBeUndefined();
    expect(filterExpression({})).toBeUndefined();
    expect(filterExpression({ tags: ['a', 'b c'], meta: { 'my-key': 'v' } })).toBe(
      '"a" in Service.Tags and "b c" in Service.Tags and Service.Meta["my-key"] == "v"',
    );
    expect(filterExpression({ tags: ['q"t'], meta: { k: 'a\\b' } })).toBe(
      '`q"t` in Service.Tags and Service.Meta["k"] == `a\\b`',
    );
    expect(filterExpression({ tags: ['both"`', 'line\nbreak'] })).toBeUndefined();
  });
});

describe('toAgentRegistration', () => {
  const base: Registration = { service: 'cart', host: '10.0.0.5', port: 8080 };

  it('builds the agent definition with weights, zone meta and a TTL check', () => {
    const built = toAgentRegistration(
      {
        ...base,
        id: 'cart-1',
        weight: 5,
        tags: ['v2'],
        meta: { a: 'b' },
        zone: 'z1',
        check: { type: 'ttl', ttl: '3s' },
      },
      'zone',
    );
    expect(built).toEqual({
      id: 'cart-1',
      service: 'cart',
      ttlCheckId: 'service:cart-1',
      ttlMs: 3_000,
      definition: {
        ID: 'cart-1',
        Name: 'cart',
        Address: '10.0.0.5',
        Port: 8080,
        Tags: ['v2'],
        Meta: { a: 'b', zone: 'z1' },
        Weights: { Passing: 5, Warning: 1 },
        Check: { CheckID: 'service:cart-1', Name: "Service 'cart' ttl check", TTL: '3s', Status: 'passing' },
      },
    });
  });

  it('builds HTTP and TCP checks without heartbeats', () => {
    const http = toAgentRegistration(
      {
        ...base,
        check: {
          type: 'http',
          url: 'http://10.0.0.5:8080/health',
          interval: '10s',
          timeout: '1s',
          deregisterCriticalServiceAfter: '1m',
        },
      },
      'zone',
    );
    expect(http.ttlMs).toBeUndefined();
    expect(http.definition.Check).toMatchObject({
      HTTP: 'http://10.0.0.5:8080/health',
      Interval: '10s',
      Timeout: '1s',
      DeregisterCriticalServiceAfter: '1m',
    });
    expect(http.definition.Weights).toBeUndefined();
    const tcp = toAgentRegistration({ ...base, check: { type: 'tcp', address: '[::1]:8080', interval: '5s' } }, 'zone');
    expect(tcp.definition.Check).toMatchObject({ TCP: '[::1]:8080', Interval: '5s' });
  });

  it.each([
    [{ ...base, service: '' }, 'registration.service'],
    [{ host: 'h', port: 1 }, 'registration.service'],
    [{ ...base, port: 0 }, 'registration.port'],
    [{ ...base, port: 70_000 }, 'registration.port'],
    [{ ...base, host: '' }, 'registration.host'],
    [{ ...base, weight: 0 }, 'registration.weight'],
    [{ ...base, weight: 2.5 }, 'registration.weight'],
    [{ ...base, meta: { 'bad key': 'x' } }, 'registration.meta.bad key'],
    [{ ...base, meta: { 'consul-x': 'x' } }, 'registration.meta.consul-x'],
    [{ ...base, zone: 'a', meta: { zone: 'b' } }, 'registration.meta.zone'],
    [{ ...base, tag: ['x'] }, 'registration.tag'],
    [{ ...base, check: { type: 'http', url: 'http://h/', interval: '10 parsecs' } }, 'registration.check.interval'],
    [{ ...base, check: { type: 'http', url: 'ftp://h/', interval: '1s' } }, 'registration.check.url'],
    [{ ...base, check: { type: 'http', url: 'not a url', interval: '1s' } }, 'registration.check.url'],
    [{ ...base, check: { type: 'tcp', address: 'h', interval: '1s' } }, 'registration.check.address'],
    [{ ...base, check: { type: 'ttl', ttl: '0s' } }, 'registration.check.ttl'],
    [{ ...base, check: { type: 'ttl', ttl: '1s', interval: '1s' } }, 'registration.check.interval'],
    [{ ...base, check: { type: 'script' } }, 'registration.check.type'],
    [
      { ...base, check: { type: 'ttl', ttl: '1s', deregisterCriticalServiceAfter: 'soon' } },
      'registration.check.deregisterCriticalServiceAfter',
    ],
  ])('refuses %j naming %s', (registration, option) => {
    expect(configErrorOf(() => toAgentRegistration(registration as Registration, 'zone')).option).toBe(option);
  });
});

describe('ConsulRegistry options', () => {
  it.each([
    [{ port: 0 }, 'port'],
    [{ host: '' }, 'host'],
    [{ secure: 'yes' }, 'secure'],
    [{ wait: '10 parsecs' }, 'wait'],
    [{ wait: '11m' }, 'wait'],
    [{ wait: 0 }, 'wait'],
    [{ requestTimeoutMs: 0 }, 'requestTimeoutMs'],
    [{ minRetryMs: 0 }, 'minRetryMs'],
    [{ minRetryMs: 100, maxRetryMs: 50 }, 'maxRetryMs'],
    [{ rateLimit: { intervalMs: -1 } }, 'rateLimit.intervalMs'],
    [{ rateLimit: { burst: 0 } }, 'rateLimit.burst'],
    [{ rateLimit: { every: 1 } }, 'rateLimit.every'],
    [{ syncIntervalMs: 0 }, 'syncIntervalMs'],
    [{ serverFilters: { cart: { tags: 'x' } } }, 'serverFilters.cart.tags'],
    [{ serverFilters: { cart: { meta: { 'a b': 'x' } } } }, 'serverFilters.cart.meta.a b'],
    [{ zoneMetaKey: 'a.b' }, 'zoneMetaKey'],
    [{ clock: {} }, 'clock.now'],
    [{ consul: {} }, 'consul'],
    [{ datacenter: '' }, 'datacenter'],
    [{ hots: 'x' }, 'hots'],
  ])('refuses %j naming %s', (options, option) => {
    expect(configErrorOf(() => new ConsulRegistry(options as never)).option).toBe(option);
  });

  it('has no telemetry option any more: a telemetry observes the registry (observeRegistry), so the key is unknown', () => {
    const error = configErrorOf(() => new ConsulRegistry({ telemetry: {} } as never));
    expect(error.option).toBe('telemetry');
    expect(error.allowed).toMatch(/^no such option \(allowed: /);
    expect(error.allowed).not.toMatch(/\btelemetry\b/);
  });

  it('refuses host/port next to a client, and never echoes a bad token', () => {
    const consul = new ConsulRegistry();
    void consul.close();
    const fakeClient = {
      health: { service: () => Promise.resolve([]) },
      agent: {
        check: { pass: () => Promise.resolve() },
        service: { deregister: () => Promise.resolve(), list: () => Promise.resolve({}) },
      },
      _put: () => Promise.resolve(),
    };
    expect(configErrorOf(() => new ConsulRegistry({ consul: fakeClient as never, port: 8500 })).option).toBe('port');
    const error = configErrorOf(() => new ConsulRegistry({ token: 'secret-token\nx' }));
    expect(error.option).toBe('token');
    expect(error.message).not.toContain('secret-token');
  });
});
