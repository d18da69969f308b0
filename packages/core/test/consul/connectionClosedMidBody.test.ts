// Case 4 of the reliability issue: an answer whose connection closes mid-body was noticed
// only at the request timeout (10 s for a plain read, ~42 s for a blocking query), and the
// view was not marked stale meanwhile. A real HTTP server on 127.0.0.1 plays the agent and
// destroys the socket halfway through the body.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { SWITCHYARD_CHANNELS } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsulRegistry, type ConsulRequestError } from '../../src/consul.js';
import {
  healthAnswer,
  healthEntry,
  healthRequests,
  startFakeAgent,
  trackUnhandledRejections,
  waitForSnapshot,
} from './support.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Sends the head and half of the body, then destroys the socket once that half is written. */
function cutMidBody(response: ServerResponse, index: number, chunked: boolean): void {
  const body = JSON.stringify([healthEntry('a', 1001), healthEntry('b', 1002)]);
  response.writeHead(200, {
    'content-type': 'application/json',
    'x-consul-index': String(index),
    ...(chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
  });
  response.write(body.slice(0, body.length >> 1), () => response.socket?.destroy());
}

/** Registry errors published for `service`, in order. */
function collectErrors(service: string): ConsulRequestError[] {
  const errors: ConsulRequestError[] = [];
  const listener = (message: unknown): void => {
    const m = message as { service?: string; error: ConsulRequestError };
    if (m.service === service) errors.push(m.error);
  };
  subscribe(SWITCHYARD_CHANNELS.registryError, listener);
  cleanups.push(() => {
    unsubscribe(SWITCHYARD_CHANNELS.registryError, listener);
  });
  return errors;
}

describe('case 4: a Consul connection closed mid-body', () => {
  it('a plain read cut mid-body fails at once (not at the 10 s timeout), is retried after a backoff, and recovers', async () => {
    const rejections = trackUnhandledRejections();
    cleanups.push(() => rejections.dispose());
    const agent = await startFakeAgent((request, response) => {
      const n = healthRequests(agent.requests).indexOf(request);
      if (n === 0) return cutMidBody(response, 7, false);
      if (n === 1) return healthAnswer(response, 8, [healthEntry('a', 1001)]);
      // Later blocking queries hang until the registry closes.
    });
    // A request timeout far beyond the test's: only the cut itself can mark the view stale.
    const registry = new ConsulRegistry({
      port: agent.port,
      minRetryMs: 100,
      random: () => 0.999,
      requestTimeoutMs: 600_000,
    });
    cleanups.push(async () => {
      await registry.close();
      await agent.close();
    });
    const errors = collectErrors('svc');
    const seen: Array<{ stale: boolean; at: number }> = [];
    const handle = registry.watch('svc', (s) => seen.push({ stale: s.stale, at: performance.now() }));
    cleanups.push(() => handle.dispose());

    const first = await waitForSnapshot(registry, 'svc', () => true, { timeoutMs: 5_000 });
    expect(first).toMatchObject({ stale: true, instances: [] });
    const fresh = await waitForSnapshot(registry, 'svc', (s) => !s.stale, { timeoutMs: 5_000 });
    expect(fresh.instances.map((i) => i.id)).toEqual(['a']);

    const health = healthRequests(agent.requests);
    const cutAt = health[0]?.at ?? 0;
    const noticedMs = (seen[0]?.at ?? Number.POSITIVE_INFINITY) - cutAt;
    console.info(`case 4 (plain read cut mid-body): stale ${noticedMs.toFixed(1)} ms after the query`);
    // Noticed as the cut (the timeout would take ten minutes), not as a timeout.
    expect(errors.map((e) => e.code)).toEqual(['ECONNRESET']);
    expect(errors[0]?.message).toMatch(/closed before the whole answer/);
    // Retried after the backoff (100 ms × 0.999 with equal jitter at its top), not at once.
    expect((health[1]?.at ?? 0) - cutAt).toBeGreaterThanOrEqual(100 * 0.999 - 15);
    expect(rejections.reasons).toEqual([]);
  });

  it('a blocking query cut mid-body marks the view stale at once (not after ~42 s), keeping the last instances', async () => {
    const agent = await startFakeAgent((request, response) => {
      const n = healthRequests(agent.requests).indexOf(request);
      if (n === 0) return healthAnswer(response, 7, [healthEntry('a', 1001)]);
      if (n === 1) return cutMidBody(response, 9, true); // the blocking query
      if (n === 2) return healthAnswer(response, 10, [healthEntry('a', 1001), healthEntry('b', 1002)]);
    });
    // Blocking queries and timeouts far beyond the test's: only the cut can mark the view stale.
    const registry = new ConsulRegistry({ port: agent.port, minRetryMs: 20, wait: '10m', requestTimeoutMs: 600_000 });
    cleanups.push(async () => {
      await registry.close();
      await agent.close();
    });
    const errors = collectErrors('svc');
    const seen: Array<{ stale: boolean; ids: string; at: number }> = [];
    const handle = registry.watch('svc', (s) =>
      seen.push({ stale: s.stale, ids: s.instances.map((i) => i.id).join(), at: performance.now() }),
    );
    cleanups.push(() => handle.dispose());
    await waitForSnapshot(registry, 'svc', (s) => s.instances.length === 2 && !s.stale, { timeoutMs: 5_000 });

    expect(seen.map(({ stale, ids }) => [stale, ids])).toEqual([
      [false, 'a'],
      [true, 'a'],
      [false, 'a,b'],
    ]);
    const blocking = healthRequests(agent.requests)[1];
    expect(new URL(blocking?.url ?? '', 'http://x').searchParams.get('index')).toBe('7');
    const noticedMs = (seen[1]?.at ?? Number.POSITIVE_INFINITY) - (blocking?.at ?? 0);
    console.info(`case 4 (blocking query cut mid-body): stale ${noticedMs.toFixed(1)} ms after the query`);
    expect(errors.map((e) => e.code)).toEqual(['ECONNRESET']);
  });
});
