// The registry against a real HTTP server on 127.0.0.1 that plays a misbehaving Consul
// agent: 400s, 500s, invalid JSON, a missing index, an index that goes backwards or to 0,
// a hung query, an echoed token, lost TTL checks. Each failure must be handled, reported,
// backed off, and recovered from; nothing may reject unhandled.
import type { ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import type { ServiceSnapshot } from '@switchyard/core';
import { isRegistryError } from '@switchyard/core/internal';
import { TELEMETRY_ATTRIBUTES, TELEMETRY_METRICS } from '@switchyard/core/semconv';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConsulRegistry, type ConsulRegistryOptions, type RegistrationEvent } from '../../src/consul.js';
import { createHarness, type Harness, pointsWhere } from '../telemetry/support.js';
import {
  healthAnswer,
  healthEntry,
  healthRequests,
  type RecordedRequest,
  startFakeAgent,
  trackUnhandledRejections,
  untilHealthRequests,
  waitForSnapshot,
} from './support.js';

const rejections = trackUnhandledRejections();
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(() => {
  rejections.dispose();
  expect(rejections.reasons).toEqual([]);
});

async function setup(
  handler: Parameters<typeof startFakeAgent>[0],
  options: ConsulRegistryOptions = {},
): Promise<{ registry: ConsulRegistry; agent: Awaited<ReturnType<typeof startFakeAgent>>; harness: Harness }> {
  const agent = await startFakeAgent(handler);
  const harness = createHarness();
  const registry = new ConsulRegistry({
    port: agent.port,
    minRetryMs: 10,
    maxRetryMs: 80,
    requestTimeoutMs: 2_000,
    syncIntervalMs: false,
    // The telemetry's wall clock too: staleness is read against it.
    wallClock: harness.wallClock,
    ...options,
  });
  harness.telemetry.observeRegistry(registry);
  cleanups.push(async () => {
    await registry.close();
    await agent.close();
    await harness.shutdown();
  });
  return { registry, agent, harness };
}

const indexOf = (request: RecordedRequest | undefined) =>
  request === undefined ? undefined : new URL(request.url, 'http://x').searchParams.get('index');

async function watchErrorsByType(harness: Harness): Promise<Record<string, number>> {
  const metric = (await harness.metrics()).get(TELEMETRY_METRICS.registryWatchErrors.name);
  const byType: Record<string, number> = {};
  for (const point of pointsWhere<number>(metric ?? ({ dataPoints: [] } as never))) {
    byType[String(point.attributes[TELEMETRY_ATTRIBUTES.errorType])] = point.value;
  }
  return byType;
}

describe('ConsulRegistry against a misbehaving agent', () => {
  it('keeps the last instances, marked stale, through 400, 500, invalid JSON and a missing index; backs off; recovers', async () => {
    // 0: good answer; 1-4: four kinds of failure; 5: good again (new instance); then hang.
    const { registry, agent, harness } = await setup(
      (request, response) => {
        const n = healthRequests(agent.requests).indexOf(request);
        if (n === -1) {
          response.end();
          return;
        }
        if (n === 0) return healthAnswer(response, 10, [healthEntry('a', 1001)]);
        if (n === 1) {
          response.writeHead(400, { 'content-type': 'text/plain' });
          response.end('Bad request: invalid wait');
          return;
        }
        if (n === 2) {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end('rpc error making call: No cluster leader');
          return;
        }
        if (n === 3) {
          response.writeHead(200, { 'content-type': 'application/json', 'x-consul-index': '11' });
          response.end('[{"Node": ');
          return;
        }
        if (n === 4) {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('[]');
          return;
        }
        if (n === 5) return healthAnswer(response, 12, [healthEntry('a', 1001), healthEntry('b', 1002)]);
        // Later blocking queries hang until the registry closes.
      },
      { random: () => 0.999, rateLimit: false, minRetryMs: 30, maxRetryMs: 240 },
    );
    const seen: ServiceSnapshot[] = [];
    const handle = registry.watch('svc', (s) => seen.push(s));
    const recovered = await waitForSnapshot(registry, 'svc', (s) => !s.stale && s.instances.length === 2, {
      what: 'with two fresh instances',
    });
    handle.dispose();
    expect(recovered.instances.map((i) => i.id)).toEqual(['a', 'b']);
    // Fresh, then stale with the same instance kept, then fresh with the new one.
    expect(seen.map((s) => [s.stale, s.instances.map((i) => i.id).join()])).toEqual([
      [false, 'a'],
      [true, 'a'],
      [false, 'a,b'],
    ]);
    expect(await watchErrorsByType(harness)).toEqual({ '400': 1, '500': 1, invalid_response: 2 });

    const health = healthRequests(agent.requests);
    // The second query blocks on the first answer's index; after a failure the index is
    // reset, so every query after one is a plain (non-blocking) read.
    expect(health.slice(0, 6).map(indexOf)).toEqual([null, '10', null, null, null, null]);
    expect(new URL(health[1]?.url ?? '', 'http://x').searchParams.get('wait')).toBe('30000ms');
    // Backoff with (near-)full equal jitter: ~10, 20, 40, 80 ms after the 1st..4th failure.
    // Timers never fire early, so these are lower bounds; measured from query 1 and
    // cumulated, since the server shares this event loop and its stamps can lag (15 ms slack).
    const at = (k: number) => health[k]?.at ?? 0;
    let expected = 0;
    for (const [k, delay] of [
      [2, 10],
      [3, 20],
      [4, 40],
      [5, 80],
    ] as const) {
      expected += delay * 0.999;
      expect(at(k) - at(1)).toBeGreaterThanOrEqual(expected - 15);
    }
  });

  it('a watcher of an agent that never answered well gets an empty stale snapshot, then the instances', async () => {
    let failures = 3;
    const { registry } = await setup((request, response) => {
      if (!request.url.startsWith('/v1/health/')) {
        response.end();
        return;
      }
      if (failures-- > 0) {
        response.writeHead(503);
        response.end();
        return;
      }
      healthAnswer(response, 5, [healthEntry('a', 1001)]);
    });
    const first = await waitForSnapshot(registry, 'svc', () => true);
    expect(first).toMatchObject({ stale: true, instances: [], version: 0, updatedAt: 0 });
    // resolve() of a watched service waits for nothing more: it answers from the loop.
    const fresh = await waitForSnapshot(registry, 'svc', (s) => !s.stale);
    expect(fresh.instances.map((i) => i.id)).toEqual(['a']);
  });

  // Regression (reliability issue, case 3): the first answer with index 0 was taken for
  // "nothing changed since index 0" and its entries were dropped: an empty, fresh snapshot.
  it('keeps the entries of a first answer whose index is 0', async () => {
    const { registry } = await setup((request, response) => {
      if (!request.url.startsWith('/v1/health/')) {
        response.end();
        return;
      }
      healthAnswer(response, 0, [healthEntry('a', 1001)]);
    });
    // The watcher's first snapshot is the loop's first answer.
    const first = await waitForSnapshot(registry, 'svc', () => true);
    expect(first.stale).toBe(false);
    expect(first.instances.map((i) => i.id)).toEqual(['a']);
  });

  it('follows the index rules on the wire: 0 becomes 1, backwards resets; churn is rate limited', async () => {
    const answers = [0, 10, 3, 5, 6, 7, 8];
    const { registry, agent } = await setup(
      (request, response) => {
        const n = healthRequests(agent.requests).indexOf(request);
        if (n === -1) {
          response.end();
          return;
        }
        const index = answers[n];
        if (index === undefined) return; // hang until close
        healthAnswer(response, index, [healthEntry(`i${n}`, 1000 + n)]);
      },
      { rateLimit: { intervalMs: 80, burst: 2 } },
    );
    const handle = registry.watch('svc', () => {});
    await untilHealthRequests(agent.requests, answers.length + 1);
    handle.dispose();
    const health = healthRequests(agent.requests);
    expect(health.map(indexOf)).toEqual([
      null, // first read
      '1', // the answer said 0: block on 1, never spin on 0
      '10',
      null, // 3 < 10: the index went backwards, restart with a plain read
      '5',
      '6',
      '7',
      '8',
    ]);
    // Token bucket, burst 2, one token per 80 ms: n queries span at least (n - 2) × 80 ms,
    // here 480 ms for 8 (unlimited, they take a few ms). The server shares this process's
    // event loop, so arrival stamps can lag sends; 50 ms of slack for the two endpoints.
    const span = (health.at(-1)?.at ?? 0) - (health[0]?.at ?? 0);
    expect(health).toHaveLength(8);
    expect(span).toBeGreaterThanOrEqual((8 - 2) * 80 - 50);
  });

  it('times a hung blocking query out after wait × 17/16 plus the margin, and reports it as timeout', async () => {
    const { registry, agent, harness } = await setup(
      (request, response) => {
        if (indexOf(request) === null) return healthAnswer(response, 4, [healthEntry('a', 1001)]);
        // A blocking query: never answer (a half-dead agent or network).
      },
      { wait: '800ms', requestTimeoutMs: 50 },
    );
    let staleAt = 0;
    const stale = await waitForSnapshot(
      registry,
      'svc',
      (s) => {
        staleAt = performance.now();
        return s.stale;
      },
      { timeoutMs: 5_000 },
    );
    expect(stale.instances.map((i) => i.id)).toEqual(['a']);
    const blocking = healthRequests(agent.requests)[1];
    expect(indexOf(blocking)).toBe('4');
    // The blocking query was given 800 × 17/16 + 50 = 900 ms before it was declared dead:
    // more than wait × 17/16 (850), which Consul may legitimately use (30 ms of slack for
    // arrival stamps that lag, as the server shares this event loop).
    expect(staleAt - (blocking?.at ?? 0)).toBeGreaterThanOrEqual(900 - 30);
    // That it was declared dead at all is the bounded wait above, and the timeout type below.
    expect(await watchErrorsByType(harness)).toMatchObject({ timeout: 1 });
  });

  it('runs one query loop per service while watched, and cancels its query when the last watcher leaves', async () => {
    let cancelled!: () => void;
    const queryCancelled = new Promise<void>((resolve) => {
      cancelled = resolve;
    });
    const { registry, agent } = await setup((request, response) => {
      if (!request.url.startsWith('/v1/health/service/svc')) {
        healthAnswer(response, 2, []);
        return;
      }
      if (indexOf(request) === null) {
        healthAnswer(response, 9, [healthEntry('a', 1001)]);
        return;
      }
      // The blocking query: held open; report when the client gives up on it.
      response.on('close', () => cancelled());
    });
    const handles = [1, 2, 3].map(() => registry.watch('svc', () => {}));
    await untilHealthRequests(agent.requests, 2);
    handles[0]?.dispose();
    handles[1]?.dispose();
    // Still one watcher: the query stays.
    expect((await registry.resolve('svc')).instances.map((i) => i.id)).toEqual(['a']);
    handles[2]?.dispose();
    await bounded(queryCancelled, 5_000, 'the blocking query was not cancelled');
    const ofSvc = () => agent.requests.filter((r) => new URL(r.url, 'http://x').pathname === '/v1/health/service/svc');
    expect(ofSvc()).toHaveLength(2);
    // Unwatched: a resolve is one plain read of its own, and no loop restarts.
    await registry.resolve('other');
    expect(ofSvc()).toHaveLength(2);
  });

  it('reports instances by health, staleness and update latency to telemetry', async () => {
    let held: ServerResponse | undefined;
    const { registry, agent, harness } = await setup((request, response) => {
      const n = healthRequests(agent.requests).indexOf(request);
      if (n === 0) {
        healthAnswer(response, 3, [
          healthEntry('a', 1001, ['passing']),
          healthEntry('b', 1002, ['passing', 'warning']),
          healthEntry('c', 1003, ['critical', 'passing']),
        ]);
      } else if (n === 1) {
        held = response; // answered (with a 500) when the test says so
      } else {
        response.writeHead(500);
        response.end();
      }
    });
    const observed = async () => {
      const metrics = await harness.metrics();
      const value = (name: string, match: Record<string, string> = {}) =>
        pointsWhere<number>(metrics.get(name) ?? ({ dataPoints: [] } as never), match)[0]?.value;
      return {
        passing: value(TELEMETRY_METRICS.registryInstances.name, { [TELEMETRY_ATTRIBUTES.instanceHealth]: 'passing' }),
        warning: value(TELEMETRY_METRICS.registryInstances.name, { [TELEMETRY_ATTRIBUTES.instanceHealth]: 'warning' }),
        critical: value(TELEMETRY_METRICS.registryInstances.name, {
          [TELEMETRY_ATTRIBUTES.instanceHealth]: 'critical',
        }),
        stale: value(TELEMETRY_METRICS.registryStale.name),
        staleness: value(TELEMETRY_METRICS.registryStaleness.name),
        updates: (
          metrics.get(TELEMETRY_METRICS.registryUpdateDuration.name)?.dataPoints[0]?.value as { count?: number }
        )?.count,
      };
    };
    const handle = registry.watch('svc', () => {});
    await waitForSnapshot(registry, 'svc', (s) => s.instances.length === 3, {
      filter: { health: ['passing', 'warning', 'critical'] },
    });
    expect(await observed()).toEqual({ passing: 1, warning: 1, critical: 1, stale: 0, staleness: 0, updates: 1 });

    await untilHealthRequests(agent.requests, 2);
    held?.writeHead(500);
    held?.end();
    await waitForSnapshot(registry, 'svc', (s) => s.stale);
    harness.wallClock.advance(7_000);
    expect(await observed()).toEqual({ passing: 1, warning: 1, critical: 1, stale: 1, staleness: 7, updates: 1 });
    handle.dispose();
  });

  it('sends the ACL token only as X-Consul-Token and never lets it into errors, logs or metrics', async () => {
    const token = 'secret-7f3a9c-token';
    const { registry, agent, harness } = await setup(
      (_request, response) => {
        // A hostile or buggy answer that echoes the token back.
        response.writeHead(403, { 'content-type': 'text/plain' });
        response.end(`ACL not found: ${token}`);
      },
      { token },
    );
    const error = await registry.register({ service: 'svc', host: '127.0.0.1', port: 1001 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRegistryError(error)).toBe(true);
    expect((error as Error).message).toContain('HTTP 403');
    expect(inspect(error, { depth: 10 })).not.toContain(token);
    await waitForSnapshot(registry, 'svc', (s) => s.stale);
    const resolved = await registry.resolve('other');
    expect(resolved.stale).toBe(true);

    expect(agent.requests.length).toBeGreaterThanOrEqual(3);
    for (const request of agent.requests) {
      expect(request.headers['x-consul-token']).toBe(token);
      expect(request.url).not.toContain(token);
    }
    const logs = harness.logs();
    expect(logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs.map((l) => [l.body, l.attributes]))).not.toContain(token);
    expect(JSON.stringify([...(await harness.metrics()).values()])).not.toContain(token);
    // Nor in the registry object itself, should someone log it.
    expect(inspect(registry, { depth: 20, showHidden: true })).not.toContain(token);
  });

  it('registers with Weights, heartbeats TTL checks, re-registers when the agent lost the check, deregisters on close', async () => {
    let passes = 0;
    const { registry, agent } = await setup((request, response) => {
      if (request.url.startsWith('/v1/agent/check/pass/')) {
        passes += 1;
        // The second heartbeat finds the check gone, as after an agent restart.
        response.writeHead(passes === 2 ? 404 : 200, { 'content-type': 'text/plain' });
        response.end(passes === 2 ? 'Unknown check ID "service:web-1"' : '');
        return;
      }
      response.end();
    });
    const events: RegistrationEvent[] = [];
    const reregistered = new Promise<void>((resolve) => {
      registry.onRegistrationEvent((event) => {
        events.push(event);
        if (event.type === 'reregistered') resolve();
      });
    });
    const bodies: unknown[] = [];
    const original = agent.handler;
    agent.handler = (request, response, i) => {
      if (request.url === '/v1/agent/service/register') bodies.push(request);
      original(request, response, i);
    };
    const id = await registry.register({
      service: 'web',
      id: 'web-1',
      host: '127.0.0.1',
      port: 8080,
      weight: 7,
      check: { type: 'ttl', ttl: '150ms' },
    });
    expect(id).toBe('web-1');
    await bounded(reregistered, 5_000, 'no re-registration after the lost check');
    expect(events.map((e) => e.type)).toEqual(['reregistered']);
    const registers = agent.requests.filter((r) => r.url === '/v1/agent/service/register');
    expect(registers).toHaveLength(2);
    // Heartbeats go to the check id, every ttl/3 = 50 ms.
    const beats = agent.requests.filter((r) => r.url === '/v1/agent/check/pass/service%3Aweb-1');
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect((beats[1]?.at ?? 0) - (beats[0]?.at ?? 0)).toBeGreaterThanOrEqual(48);
    await registry.close();
    expect(agent.requests.at(-1)?.url).toBe('/v1/agent/service/deregister/web-1');
    expect(agent.requests.at(-1)?.method).toBe('PUT');
  });

  it('anti-entropy re-registers a service the agent no longer lists', async () => {
    const { registry, agent } = await setup(
      (request, response) => {
        if (request.url === '/v1/agent/services') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('{}');
          return;
        }
        response.end();
      },
      { syncIntervalMs: 20 },
    );
    const reregistered = new Promise<RegistrationEvent>((resolve) => {
      registry.onRegistrationEvent(resolve);
    });
    await registry.register({ service: 'api', id: 'api-1', host: '127.0.0.1', port: 1 });
    const event = await bounded(reregistered, 5_000, 'no re-registration');
    expect(event).toMatchObject({ type: 'reregistered', id: 'api-1', service: 'api' });
    const body = agent.requests.filter((r) => r.url === '/v1/agent/service/register');
    expect(body.length).toBeGreaterThanOrEqual(2);
  });

  it('reports a deregistration that fails on close as an event, and close() still resolves', async () => {
    let down = false;
    const { registry } = await setup((request, response) => {
      if (down && request.url.startsWith('/v1/agent/service/deregister/')) {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end('agent is shutting down');
        return;
      }
      response.end();
    });
    const events: RegistrationEvent[] = [];
    registry.onRegistrationEvent((e) => events.push(e));
    await registry.register({ service: 'api', id: 'api-2', host: '127.0.0.1', port: 1 });
    down = true;
    await expect(registry.close()).resolves.toBeUndefined();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'deregister_failed', id: 'api-2' });
    expect(events[0]?.error?.code).toBe('500');
    // Closed: everything but close() throws.
    expect(() => registry.watch('svc', () => {})).toThrow(/closed/);
    await expect(registry.resolve('svc')).rejects.toThrow(/closed/);
    await expect(registry.close()).resolves.toBeUndefined();
  });

  it('an unreachable agent: resolve() answers stale instead of rejecting; register() rejects with a RegistryError', async () => {
    const { registry, agent } = await setup((_r, response) => response.end());
    await agent.close();
    const snapshot = await registry.resolve('svc');
    expect(snapshot).toMatchObject({ stale: true, instances: [] });
    const error = await registry.register({ service: 'svc', host: 'h', port: 1 }).catch((e: unknown) => e);
    expect(isRegistryError(error)).toBe(true);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });
});

function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
