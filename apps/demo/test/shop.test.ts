// Runs the whole shop in-process on the static registry with a small load and checks the
// story it tells: zero caller errors, a breaker that opened, traffic that followed
// discovery, and a connected trace. Bounded: 300 checkouts, about 2 s of load.
import { channel } from 'node:diagnostics_channel';
import { SWITCHYARD_CHANNELS } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { runShop } from '../src/shop.js';
import { expectShopStory } from './shopAssertions.js';
import { TextBuffer } from './textBuffer.js';

const REQUESTS = 300;

/** The switchyard:* channels someone still listens to: none once the shop has stopped (its observers are disposed). */
const subscribedChannels = () => Object.values(SWITCHYARD_CHANNELS).filter((name) => channel(name).hasSubscribers);

describe('the shop on the static registry', () => {
  it('keeps callers error-free through a failing instance, a new one and a graceful shutdown', async () => {
    const out = new TextBuffer();
    // Round-robin, not the adaptive default: the failing pricing instance must get its
    // share of calls however fast this machine runs, so its breaker sees enough of them.
    const result = await runShop(
      { requests: REQUESTS, rate: 150, balancer: 'round-robin', discovery: { kind: 'static' }, metricsPort: 0 },
      { out },
    );
    expectShopStory(result, REQUESTS);
    expect(subscribedChannels()).toEqual([]);

    // The dashboard went to the buffer as plain frames, the last one complete.
    expect(out.text).not.toContain('\x1b[');
    const last = out.text.slice(out.text.lastIndexOf('Switchyard shop'));
    expect(last).toContain(`${REQUESTS}/${REQUESTS} checkouts`);
    expect(last).toMatch(/^catalog +catalog-2 .* slow \(10×\)$/m);
    expect(last).toMatch(/pricing\/pricing-1 breaker closed → open/);
    expect(last).toContain('discovery: catalog-3 joined catalog');
    expect(last).toContain('discovery: catalog-0 left catalog');
    expect(last).toMatch(/last checkout trace [0-9a-f]{16}/);
    expect(last).toMatch(/└─ SERVER GET \/(items|price|cart)\//);
  }, 60_000);

  it('stops sending when its signal aborts (Ctrl-C) and still shuts everything down', async () => {
    const result = await runShop(
      { requests: 100_000, rate: 100, balancer: 'peak-ewma', discovery: { kind: 'static' }, metricsPort: 0 },
      { out: new TextBuffer(), signal: AbortSignal.abort() },
    );
    expect(result.checkouts).toBe(0);
    expect(result.errors).toBe(0);
    expect(subscribedChannels()).toEqual([]);
    // Shut down: no instance's port and no metrics endpoint answers any more.
    const urls = [...result.instances.map((i) => `http://127.0.0.1:${i.port}/`), String(result.metricsUrl)];
    const answers = await Promise.allSettled(urls.map((url) => fetch(url, { signal: AbortSignal.timeout(5_000) })));
    expect(answers.map((a) => a.status)).toEqual(urls.map(() => 'rejected'));
    expect(result.instances.map((i) => i.name)).toEqual([
      'gateway-0',
      'catalog-0',
      'catalog-1',
      'catalog-2',
      'pricing-0',
      'pricing-1',
      'cart-0',
      'cart-1',
    ]);
  }, 30_000);
});
