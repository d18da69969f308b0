// ConsulRegistry against a REAL Consul agent (dev mode, 127.0.0.1, free ports) built by
// tools/consul/build.sh. Every wait is a bounded wait on the registry's own watch; the
// only time we wait on is Consul's (a TTL expiring, an agent restarting).

import { TELEMETRY_ATTRIBUTES, TELEMETRY_METRICS } from '@switchyard/core/semconv';
import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsulAgent, startConsul } from '../../../../test/support/consulAgent.js';
import { ConsulRegistry, type ConsulRegistryOptions, type RegistrationEvent } from '../../src/consul.js';
import { createHarness, type Harness, pointsWhere } from '../telemetry/support.js';
import {
  agentApi,
  describeSnapshot,
  startCountingProxy,
  trackUnhandledRejections,
  uniqueName,
  waitForSnapshot,
} from './support.js';

let agent: ConsulAgent;
const registries: ConsulRegistry[] = [];
const rejections = trackUnhandledRejections();

beforeAll(async () => {
  agent = await startConsul();
});

afterAll(async () => {
  await Promise.all(registries.map((r) => r.close()));
  await agent?.stop();
  rejections.dispose();
  expect(rejections.reasons).toEqual([]);
});

function registryFor(options: ConsulRegistryOptions = {}): ConsulRegistry {
  const registry = new ConsulRegistry({
    port: agent.port,
    minRetryMs: 50,
    maxRetryMs: 500,
    ...options,
  });
  registries.push(registry);
  return registry;
}

const ALL = { health: ['passing', 'warning', 'critical'] as const };

describe('ConsulRegistry against a real agent', () => {
  it('registers an instance that then resolves as passing, with its weights, tags, meta and zone', async () => {
    const registry = registryFor();
    const service = uniqueName('cart');
    const id = await registry.register({
      service,
      id: `${service}-1`,
      host: '127.0.0.1',
      port: 8081,
      weight: 5,
      tags: ['v2', 'blue'],
      meta: { version: '2.1' },
      zone: 'eu-1a',
      check: { type: 'ttl', ttl: '30s' },
    });
    expect(id).toBe(`${service}-1`);
    const snapshot = await registry.resolve(service);
    expect(snapshot.stale).toBe(false);
    expect(snapshot.instances).toEqual([
      {
        id,
        service,
        host: '127.0.0.1',
        port: 8081,
        weight: 5,
        tags: ['v2', 'blue'],
        meta: { version: '2.1', zone: 'eu-1a' },
        zone: 'eu-1a',
        health: 'passing',
      },
    ]);
    // The agent has the weights, which the `consul` package's own register would have dropped.
    const stored = (await agentApi(agent.url, 'GET', `/v1/agent/service/${encodeURIComponent(id)}`)) as {
      Weights: unknown;
    };
    expect(stored.Weights).toEqual({ Passing: 5, Warning: 1 });
    expect((await registry.resolve(service, { tags: ['green'] })).instances).toEqual([]);
    expect((await registry.resolve(uniqueName('nobody'))).instances).toEqual([]);
  });

  it('heartbeats its TTL check, while a missed TTL turns critical and is filtered out', async () => {
    const registry = registryFor();
    const service = uniqueName('ttl');
    const ours = await registry.register({
      service,
      id: `${service}-ours`,
      host: '127.0.0.1',
      port: 9001,
      check: { type: 'ttl', ttl: '1s' },
    });
    // Another process's instance, registered passing with the same TTL and never heartbeated.
    const theirs = `${service}-theirs`;
    await agentApi(agent.url, 'PUT', '/v1/agent/service/register', {
      ID: theirs,
      Name: service,
      Address: '127.0.0.1',
      Port: 9002,
      Check: { CheckID: `service:${theirs}`, TTL: '1s', Status: 'passing' },
    });
    const both = await waitForSnapshot(registry, service, (s) => s.instances.length === 2, { filter: ALL });
    expect(both.instances.map((i) => i.health)).toEqual(['passing', 'passing']);
    // Consul expires their TTL after ~1 s; ours stays passing all along.
    const expired = await waitForSnapshot(
      registry,
      service,
      (s) => s.instances.some((i) => i.id === theirs && i.health === 'critical'),
      { filter: ALL, timeoutMs: 10_000, what: 'with their instance critical' },
    );
    expect(expired.instances.find((i) => i.id === ours)?.health).toBe('passing');
    // The default filter (passing and warning) leaves the critical instance out.
    const served = await registry.resolve(service);
    expect(served.instances.map((i) => i.id)).toEqual([ours]);
    await agentApi(agent.url, 'PUT', `/v1/agent/service/deregister/${encodeURIComponent(theirs)}`);
  });

  it('works over an existing consul client, which close() leaves usable', async () => {
    const consul = new Consul({ host: agent.host, port: agent.port });
    const registry = new ConsulRegistry({ consul });
    const service = uniqueName('own-client');
    await registry.register({ service, host: '127.0.0.1', port: 9050, weight: 2 });
    expect((await registry.resolve(service)).instances.map((i) => i.weight)).toEqual([2]);
    await registry.close();
    // Deregistered on close, through the same client, which still works afterwards.
    expect(await consul.health.service(service)).toEqual([]);
    consul.destroy();
  });

  it('deregisters: the instance is gone for watchers', async () => {
    const registry = registryFor();
    const service = uniqueName('gone');
    const id = await registry.register({ service, host: '127.0.0.1', port: 9100 });
    await waitForSnapshot(registry, service, (s) => s.instances.length === 1);
    await registry.deregister(id);
    const after = await waitForSnapshot(registry, service, (s) => s.instances.length === 0);
    expect(after.stale).toBe(false);
    // Deregistering twice is fine (shutdown hooks).
    await expect(registry.deregister(id)).resolves.toBeUndefined();
  });

  it('delivers a change within one blocking round-trip, and many watchers share one query', async () => {
    const proxy = await startCountingProxy(agent.port);
    try {
      const service = uniqueName('shared');
      const registry = registryFor({ port: proxy.port, wait: '20s' });
      const path = `/v1/health/service/${service}`;
      const watchers = Array.from({ length: 25 }, (_, i) => {
        const seen: number[] = [];
        const handle = registry.watch(service, (s) => seen.push(s.instances.length), i % 2 === 0 ? undefined : ALL);
        return { seen, handle };
      });
      await waitForSnapshot(registry, service, () => true);
      const before = proxy.count(path);
      expect(before).toBe(1);

      for (let round = 1; round <= 3; round++) {
        // Another process registers an instance straight with the agent (not through the proxy).
        await agentApi(agent.url, 'PUT', '/v1/agent/service/register', {
          ID: `${service}-${round}`,
          Name: service,
          Address: '127.0.0.1',
          Port: 9200 + round,
        });
        // Within 5 s, a quarter of the 20 s wait: only the change can have ended the blocking query.
        await waitForSnapshot(registry, service, (s) => s.instances.length === round, { timeoutMs: 5_000 });
      }
      // resolve() of a watched service asks nobody.
      expect((await registry.resolve(service)).instances).toHaveLength(3);
      for (const w of watchers) {
        expect(w.seen.at(-1)).toBe(3);
        w.handle.dispose();
      }
      // One initial read, then one blocking query per change (plus the one left waiting),
      // for all 25 watchers together. Unshared, it would be 25 times as many.
      const total = proxy.count(path);
      expect(total).toBeGreaterThanOrEqual(4);
      expect(total).toBeLessThanOrEqual(5);
      const blocking = proxy.requests.filter((r) => r.url.startsWith(path) && r.url.includes('index='));
      expect(blocking.every((r) => /[?&]wait=20000ms/.test(r.url))).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('applies server filters with a filter expression, and reads another datacenter with dc', async () => {
    const proxy = await startCountingProxy(agent.port);
    const harness: Harness = createHarness();
    try {
      const service = uniqueName('filtered');
      const registry = registryFor({
        port: proxy.port,
        serverFilters: { [service]: { tags: ['blue'], meta: { tier: 'gold' } } },
      });
      harness.telemetry.observeRegistry(registry);
      await registry.register({
        service,
        id: `${service}-b`,
        host: '127.0.0.1',
        port: 1,
        tags: ['blue'],
        meta: { tier: 'gold' },
      });
      await registry.register({
        service,
        id: `${service}-g`,
        host: '127.0.0.1',
        port: 2,
        tags: ['green'],
        meta: { tier: 'gold' },
      });
      await registry.register({
        service,
        id: `${service}-s`,
        host: '127.0.0.1',
        port: 3,
        tags: ['blue'],
        meta: { tier: 'silver' },
      });
      const snapshot = await registry.resolve(service);
      expect(snapshot.instances.map((i) => i.id)).toEqual([`${service}-b`]);
      const query = proxy.requests.find((r) => r.url.startsWith(`/v1/health/service/${service}`));
      expect(new URL(query?.url ?? '', 'http://x').searchParams.get('filter')).toBe(
        '"blue" in Service.Tags and Service.Meta["tier"] == "gold"',
      );

      const here = registryFor({ datacenter: 'dc1' });
      expect((await here.resolve(service)).instances).toHaveLength(3);
      const elsewhere = registryFor({ datacenter: 'nowhere' });
      harness.telemetry.observeRegistry(elsewhere);
      const missing = await elsewhere.resolve(service);
      expect(missing).toMatchObject({ stale: true, instances: [] });
      const errors = (await harness.metrics()).get(TELEMETRY_METRICS.registryWatchErrors.name);
      expect(
        pointsWhere<number>(errors ?? ({ dataPoints: [] } as never)).map(
          (p) => p.attributes[TELEMETRY_ATTRIBUTES.errorType],
        ),
      ).toEqual(['500']);
    } finally {
      await proxy.close();
      await harness.shutdown();
    }
  });

  // Stops and restarts the shared agent: keep it last.
  it('serves the last instances stale while the agent is down, then re-registers and resumes after a restart', async () => {
    const registry = registryFor();
    const events: RegistrationEvent[] = [];
    registry.onRegistrationEvent((e) => events.push(e));
    const service = uniqueName('outage');
    // One TTL-checked (its heartbeat finds the check gone), one without a check (the
    // watch's recovery triggers the anti-entropy sync).
    const withTtl = await registry.register({
      service,
      id: `${service}-ttl`,
      host: '127.0.0.1',
      port: 9301,
      check: { type: 'ttl', ttl: '3s' },
    });
    const plain = await registry.register({ service, id: `${service}-plain`, host: '127.0.0.1', port: 9302 });
    const ids = [withTtl, plain].sort();
    await waitForSnapshot(registry, service, (s) => s.instances.length === 2);
    const seen: string[] = [];
    const handle = registry.watch(service, (s) => seen.push(describeSnapshot(s)));

    await agent.stop();
    const stale = await waitForSnapshot(registry, service, (s) => s.stale, { timeoutMs: 10_000 });
    expect(stale.instances.map((i) => i.id)).toEqual(ids);
    const resolved = await registry.resolve(service);
    expect(resolved).toMatchObject({ stale: true });
    expect(resolved.instances.map((i) => i.id)).toEqual(ids);

    // A fresh agent on the same port with empty state and lower indexes.
    await agent.restart();
    const back = await waitForSnapshot(registry, service, (s) => !s.stale && s.instances.length === 2, {
      timeoutMs: 15_000,
      what: 'fresh with both instances re-registered',
    });
    expect(back.instances.map((i) => i.id)).toEqual(ids);
    expect(back.instances.every((i) => i.health === 'passing')).toBe(true);
    const reregistered = events
      .filter((e) => e.type === 'reregistered')
      .map((e) => e.id)
      .sort();
    expect(reregistered).toEqual(ids);
    handle.dispose();
    // The long-running watcher went fresh → stale → fresh, never empty.
    expect(seen.some((s) => s.includes('stale=true'))).toBe(true);
    expect(seen.every((s) => s.includes(`${service}-plain`))).toBe(true);

    // The watch resumed after the index went backwards: new changes still arrive.
    const later = await registry.register({ service, id: `${service}-later`, host: '127.0.0.1', port: 9303 });
    const resumed = await waitForSnapshot(registry, service, (s) => s.instances.some((i) => i.id === later), {
      timeoutMs: 5_000,
    });
    expect(resumed.stale).toBe(false);
  });
});
