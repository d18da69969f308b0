// The same shop with every service registered in a real Consul agent (dev mode, free
// ports; see docs/consul.md), through ConsulRegistry with TTL checks. Bounded: one agent,
// 300 checkouts; the agent is stopped afterwards and must hold no registration of ours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsulAgent, startConsul } from '../../../test/support/consulAgent.js';
import { runShop } from '../src/shop.js';
import { expectShopStory } from './shopAssertions.js';
import { TextBuffer } from './textBuffer.js';

const REQUESTS = 300;
let agent: ConsulAgent;

beforeAll(async () => {
  agent = await startConsul();
});

afterAll(async () => {
  await agent?.stop();
});

describe('the shop on Consul', () => {
  it('tells the same story with discovery through a Consul agent, and deregisters everything', async () => {
    const out = new TextBuffer();
    const result = await runShop(
      {
        requests: REQUESTS,
        rate: 150,
        balancer: 'round-robin',
        discovery: { kind: 'consul', url: new URL(agent.url) },
        metricsPort: 0,
      },
      { out },
    );
    expectShopStory(result, REQUESTS);
    expect(out.text).toContain(`registry consul ${agent.url}`);
    expect(result.metricNames).toContain('switchyard_registry_instances');

    // Every instance deregistered itself on the way out.
    const services = (await (await fetch(`${agent.url}/v1/agent/services`)).json()) as Record<string, unknown>;
    expect(Object.keys(services)).toEqual([]);
  }, 60_000);

  it('fails fast with a hint when no agent answers', async () => {
    const stopped = await startConsul();
    const url = new URL(stopped.url);
    await stopped.stop();
    await expect(
      runShop(
        { requests: 1, rate: 1, balancer: 'peak-ewma', discovery: { kind: 'consul', url }, metricsPort: 0 },
        { out: new TextBuffer() },
      ),
    ).rejects.toThrow(/Cannot reach a Consul agent at http:\/\/127\.0\.0\.1:\d+ .*tools\/consul\/run-dev\.sh/);
  }, 60_000);
});
