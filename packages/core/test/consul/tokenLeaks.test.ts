// Case 8 of the reliability issue, Consul parts: `util.inspect(registry, { depth: null })`
// showed the ACL token in the header of an in-flight request's socket, and an agent that
// echoed the token into invalid JSON leaked a prefix of it through V8's JSON.parse message.
// A real HTTP server on 127.0.0.1 plays the agent.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import { SWITCHYARD_CHANNELS } from '@switchyard/core';
import Consul from 'consul';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsulRegistry, type RegistrationEvent } from '../../src/consul.js';
import { createHarness } from '../telemetry/support.js';
import { healthAnswer, healthEntry, startFakeAgent, untilHealthRequests, waitForSnapshot } from './support.js';

// Random-looking, so that none of its 4-character prefixes occurs in ordinary text.
const TOKEN = 'Zq7xK3mPw9-b41e-77d0-9c2a-e5f0a1d3c8b6';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The text, or every line of it, that contains the token or its first four characters. */
function leaks(text: string): string[] {
  return text.split('\n').filter((line) => line.includes(TOKEN.slice(0, 4)));
}

/** An error's message and those of its whole cause chain, plus its full inspection. */
function errorTexts(error: unknown): string {
  const parts: string[] = [inspect(error, { depth: null, showHidden: true })];
  let current: unknown = error;
  for (let depth = 0; depth < 10 && current instanceof Error; depth++) {
    parts.push(current.message, String(current.stack));
    current = current.cause;
  }
  return parts.join('\n');
}

describe('case 8: the Consul ACL token stays out of inspection and parse errors', () => {
  it('util.inspect(registry, { depth: null }) shows no token while a blocking query is in flight', async () => {
    const agent = await startFakeAgent((request, response) => {
      // The first read answers; the blocking query is held open, its socket busy.
      if (!request.url.includes('index=')) healthAnswer(response, 5, [healthEntry('a', 1001)]);
    });
    const own = new ConsulRegistry({ port: agent.port, token: TOKEN });
    const given = new Consul({ host: '127.0.0.1', port: agent.port });
    const shared = new ConsulRegistry({ consul: given, token: TOKEN });
    cleanups.push(async () => {
      await own.close();
      await shared.close();
      given.destroy();
      await agent.close();
    });
    const handles = [own.watch('svc', () => {}), shared.watch('svc', () => {})];
    cleanups.push(() => {
      for (const handle of handles) handle.dispose();
    });
    // Two first reads, then two blocking queries in flight.
    await untilHealthRequests(agent.requests, 4);
    expect(agent.requests.every((r) => r.headers['x-consul-token'] === TOKEN)).toBe(true);
    for (const registry of [own, shared]) {
      const shown = inspect(registry, { depth: null, showHidden: true });
      expect(leaks(shown)).toEqual([]);
      expect(shown).toMatch(/^ConsulRegistry \{ name: "consul"/);
      expect(leaks(inspect({ registry }, { depth: null, showHidden: true }))).toEqual([]);
      // Its object graph too, without the custom inspection.
      const raw = inspect(registry, { depth: null, showHidden: true, customInspect: false });
      expect(raw).toContain('ServiceWatchLoop');
      expect(leaks(raw)).toEqual([]);
    }
  });

  it('an agent echoing the token into invalid JSON: no error, cause, registry event or log carries any of it', async () => {
    // Every answer is JSON-typed, starts with the token and does not parse.
    const agent = await startFakeAgent((request, response) => {
      const status = request.url.startsWith('/v1/health/') ? 200 : 403;
      response.writeHead(status, { 'content-type': 'application/json', 'x-consul-index': '3' });
      response.end(`${TOKEN} is not a valid token`);
    });
    const harness = createHarness();
    const registry = new ConsulRegistry({
      port: agent.port,
      token: TOKEN,
      minRetryMs: 10,
      maxRetryMs: 40,
      syncIntervalMs: 20,
      wallClock: harness.wallClock,
    });
    harness.telemetry.observeRegistry(registry);
    const published: unknown[] = [];
    const onError = (message: unknown): void => {
      published.push((message as { error: unknown }).error);
    };
    subscribe(SWITCHYARD_CHANNELS.registryError, onError);
    const events: RegistrationEvent[] = [];
    registry.onRegistrationEvent((event) => events.push(event));
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(`${warning.message}\n${warning.stack}`);
    };
    process.on('warning', onWarning);
    cleanups.push(async () => {
      unsubscribe(SWITCHYARD_CHANNELS.registryError, onError);
      process.off('warning', onWarning);
      await registry.close();
      await agent.close();
      await harness.shutdown();
    });

    const handle = registry.watch('svc', () => {});
    cleanups.push(() => handle.dispose());
    const rejected = await registry
      .register({ service: 'svc', host: '127.0.0.1', port: 1001 })
      .catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(Error);
    expect((rejected as Error).message).toMatch(/not valid JSON/);
    const stale = await waitForSnapshot(registry, 'svc', (s) => s.stale);
    expect(stale.instances).toEqual([]);
    await registry.resolve('other');
    // A few more failed rounds of the loop (it backs off 10-40 ms).
    await untilHealthRequests(agent.requests, 5);

    expect(published.length).toBeGreaterThanOrEqual(2);
    const texts = [
      errorTexts(rejected),
      ...published.map(errorTexts),
      ...events.map((e) => errorTexts(e.error)),
      JSON.stringify(harness.logs().map((l) => [l.body, l.attributes])),
      ...warnings,
    ];
    expect(harness.logs().length).toBeGreaterThan(0);
    expect(texts.flatMap(leaks)).toEqual([]);
  });
});
