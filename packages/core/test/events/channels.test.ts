// The switchyard:* channels, seen from outside: what a real client, its breakers, its
// policies and a registry publish, in order, with the documented message shapes.
import * as diagnosticsChannel from 'node:diagnostics_channel';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  createClient,
  type Disposable,
  StaticRegistry,
  SWITCHYARD_CHANNELS,
  type SwitchyardChannelKey,
  type SwitchyardMessages,
  SwitchyardTelemetry,
  subscribe,
} from '@switchyard/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../test/support/clock.js';
import { TestMetricReader } from '../../../../test/support/otel.js';
import { startServer, type TestServer } from '../client/servers.js';

type Seen = { [K in SwitchyardChannelKey]: { key: K; message: SwitchyardMessages[K] } }[SwitchyardChannelKey];

let servers: TestServer[] = [];
let subscriptions: Disposable[] = [];
let seen: Seen[] = [];

function record(keys: readonly SwitchyardChannelKey[]): void {
  for (const key of keys) {
    subscriptions.push(subscribe(key, (message) => seen.push({ key, message } as Seen)));
  }
}

beforeEach(() => {
  seen = [];
});

afterEach(async () => {
  for (const s of subscriptions) s.dispose();
  subscriptions = [];
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('SWITCHYARD_CHANNELS', () => {
  it('names every channel switchyard:<area>:<event>, each once', () => {
    const names = Object.values(SWITCHYARD_CHANNELS);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^switchyard:[a-z]+(:[a-z-]+)?$/);
  });

  it('are plain diagnostics channels: a bare subscriber sees the same messages', async () => {
    const server = await startServer('a');
    servers.push(server);
    const registry = new StaticRegistry({ services: { cart: [{ id: 'a', host: '127.0.0.1', port: server.port }] } });
    const client = createClient({ registry, telemetry: false });
    const bare: unknown[] = [];
    const listener = (message: unknown) => bare.push(message);
    diagnosticsChannel.subscribe(SWITCHYARD_CHANNELS.pick, listener);
    try {
      await client.fetch('cart', '/');
    } finally {
      diagnosticsChannel.unsubscribe(SWITCHYARD_CHANNELS.pick, listener);
      await client.close();
    }
    expect(bare).toEqual([expect.objectContaining({ client, service: 'cart', balancer: 'peak-ewma', attempt: 0 })]);
  });
});

describe('a call with a retry', () => {
  it('publishes start, each pick and attempt, the retry and the end, in order, with durations on the client clock', async () => {
    const failing = await startServer('bad', { status: 503 });
    const healthy = await startServer('good');
    servers.push(failing, healthy);
    const registry = new StaticRegistry({
      services: {
        cart: [
          { id: 'bad', host: '127.0.0.1', port: failing.port },
          { id: 'good', host: '127.0.0.1', port: healthy.port },
        ],
      },
    });
    const clock = new ManualClock(0);
    const client = createClient({
      registry,
      telemetry: false,
      clock,
      balancer: 'round-robin',
      retry: { initialDelayMs: 0, jitter: 'none', budget: false },
    });
    record(['callStart', 'pick', 'attemptEnd', 'retry', 'callEnd']);
    const response = await client.fetch('cart', '/items');
    await client.close();

    expect(response.status).toBe(200);
    expect(seen.map((s) => s.key)).toEqual([
      'callStart',
      'pick',
      'attemptEnd',
      'retry',
      'pick',
      'attemptEnd',
      'callEnd',
    ]);
    const [start, firstPick, firstEnd, retry, secondPick, secondEnd, end] = seen.map((s) => s.message);
    expect(start).toEqual({ client, service: 'cart', idempotent: true });
    expect(firstPick).toMatchObject({ client, service: 'cart', balancer: 'round-robin', attempt: 0 });
    expect((firstPick as SwitchyardMessages['pick']).instance.id).toBe('bad');
    expect(firstEnd).toMatchObject({
      service: 'cart',
      attempt: 0,
      durationMs: 0,
      error: expect.objectContaining({ status: 503 }),
    });
    expect(retry).toMatchObject({
      service: 'cart',
      attempt: 1,
      delayMs: 0,
      error: expect.objectContaining({ status: 503 }),
    });
    expect((secondPick as SwitchyardMessages['pick']).instance.id).toBe('good');
    expect(secondEnd).toMatchObject({ attempt: 1, error: undefined });
    expect(end).toEqual({ client, service: 'cart', outcome: 'success', error: undefined, durationMs: 0 });
  });

  it('ends a refused call with its outcome and the error the caller got', async () => {
    const registry = new StaticRegistry({ services: { cart: [] } });
    const client = createClient({ registry, telemetry: false });
    record(['callEnd']);
    const error = await client.fetch('cart', '/').catch((e: unknown) => e);
    await client.close();
    expect(seen).toEqual([
      { key: 'callEnd', message: expect.objectContaining({ outcome: 'rejected', error, service: 'cart' }) },
    ]);
    expect(error).toMatchObject({ code: 'SWITCHYARD_NO_INSTANCES' });
  });
});

describe('breakers and ejection', () => {
  it('publishes a breaker per instance as it joins, its transitions, the ejection, and its disposal on close', async () => {
    const failing = await startServer('bad', { status: 500 });
    servers.push(failing);
    const registry = new StaticRegistry({ services: { cart: [{ id: 'bad', host: '127.0.0.1', port: failing.port }] } });
    const client = createClient({
      registry,
      telemetry: false,
      retry: false,
      breaker: { slidingWindowSize: 2, minimumNumberOfCalls: 2, waitDurationInOpenState: 60_000 },
    });
    record(['breakerCreate', 'breakerState', 'ejection', 'breakerDispose', 'clientClose']);
    for (let i = 0; i < 2; i++) await client.fetch('cart', '/');
    await client.close();

    expect(seen.map((s) => s.key)).toEqual([
      'breakerCreate',
      'breakerState',
      'ejection',
      'breakerDispose',
      'clientClose',
    ]);
    const [created, state, ejection, disposed] = seen.map((s) => s.message);
    expect(created).toMatchObject({ client, service: 'cart', instance: expect.objectContaining({ id: 'bad' }) });
    expect((state as SwitchyardMessages['breakerState']).change).toMatchObject({ from: 'closed', to: 'open' });
    expect(ejection).toMatchObject({
      service: 'cart',
      ejected: true,
      instance: expect.objectContaining({ id: 'bad' }),
    });
    expect((disposed as SwitchyardMessages['breakerDispose']).breaker).toBe(
      (created as SwitchyardMessages['breakerCreate']).breaker,
    );
  });
});

describe('registries', () => {
  it('publish what they know of a service, every instance whatever its health, and their close', async () => {
    const registry = new StaticRegistry({ services: {} });
    record(['registrySnapshot', 'registryClose']);
    registry.set('cart', [
      { id: 'a', host: '127.0.0.1', port: 1 },
      { id: 'b', host: '127.0.0.1', port: 2, health: 'critical' },
    ]);
    await registry.close();
    expect(seen.map((s) => s.key)).toEqual(['registrySnapshot', 'registryClose']);
    const snapshot = (seen[0]?.message as SwitchyardMessages['registrySnapshot'] | undefined)?.snapshot;
    expect(snapshot).toMatchObject({ service: 'cart', stale: false, version: 1 });
    expect(snapshot?.instances.map((i) => i.id)).toEqual(['a', 'b']);
    expect(seen[1]?.message).toEqual({ registry });
  });
});

describe('with no subscriber', () => {
  it('a call reads no clock for observers', async () => {
    const server = await startServer('a');
    servers.push(server);
    const registry = new StaticRegistry({ services: { cart: [{ id: 'a', host: '127.0.0.1', port: server.port }] } });
    let reads = 0;
    const client = createClient({
      registry,
      telemetry: false,
      balancer: 'round-robin',
      retry: false, // the retry budget keeps time on this clock too
      clock: {
        now: () => {
          reads++;
          return 0;
        },
      },
    });
    await client.fetch('cart', '/'); // the first call builds the breakers' eligible list (one read)
    reads = 0;
    await client.fetch('cart', '/');
    const withoutObservers = reads;
    record(['callEnd', 'attemptEnd']);
    reads = 0;
    await client.fetch('cart', '/');
    await client.close();
    // Round-robin needs no latency and the breaker's count window no time: nobody else reads it.
    expect(withoutObservers).toBe(0);
    // Observed: start and end of the call, and of its attempt.
    expect(reads).toBe(4);
  });
});

describe('a registry observed after it published', () => {
  it('announces what it knows of a service again when the service gets its first watcher', async () => {
    const registry = new StaticRegistry({ services: { cart: [{ id: 'a', host: '127.0.0.1', port: 1 }] } });
    record(['registrySnapshot']);
    const watch = registry.watch('cart', () => {});
    const again = registry.watch('cart', () => {});
    watch.dispose();
    again.dispose();
    await registry.close();
    // Once for the first watcher; the second watcher of the same service adds nothing.
    expect(seen.map((s) => s.key)).toEqual(['registrySnapshot']);
    const message = seen[0]?.message as SwitchyardMessages['registrySnapshot'] | undefined;
    expect(message?.snapshot.instances.map((i) => i.id)).toEqual(['a']);
  });
});

describe('telemetry on the no-op metrics API', () => {
  it('subscribes to no per-call channel, and does once a metrics SDK records', async () => {
    const server = await startServer('a');
    servers.push(server);
    const registry = new StaticRegistry({ services: { cart: [{ id: 'a', host: '127.0.0.1', port: server.port }] } });
    const noop = createClient({ registry, telemetry: new SwitchyardTelemetry({}) });
    await noop.fetch('cart', '/');
    const hot = () => [SWITCHYARD_CHANNELS.callEnd, SWITCHYARD_CHANNELS.pick].map(diagnosticsChannel.hasSubscribers);
    expect(hot()).toEqual([false, false]);
    const reader = new TestMetricReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const recording = createClient({ registry, telemetry: new SwitchyardTelemetry({ meterProvider }) });
    await recording.fetch('cart', '/');
    expect(hot()).toEqual([true, true]);
    await recording.close();
    await noop.close();
    await meterProvider.shutdown();
  });
});
