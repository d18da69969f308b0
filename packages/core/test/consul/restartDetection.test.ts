// Case 2 of the reliability issue, the decision itself: a real HTTP server on 127.0.0.1
// plays the agent, so that each way of coming back can be staged exactly. After a
// failure, an answer that lacks known instances is held (stale) only when the agent
// restarted: its NodeID changed, or, when the NodeID cannot be read, the index went back.
import { describe, expect, it } from 'vitest';
import { configErrorOf } from '../../../../test/support/configError.js';
import { ConsulRegistry } from '../../src/consul.js';
import { heldInstances } from '../../src/registry/consul/heldInstances.js';
import { createInstance } from '../../src/registry/Instance.js';
import { healthAnswer, healthEntry, startFakeAgent } from './support.js';

interface Stage {
  /** NodeID answered by /v1/agent/self after the failure (before it: 'node-a'); undefined: 403. */
  readonly nodeAfter: string | undefined;
  /** Index of the answer after the failure (the one before was 10). */
  readonly indexAfter: number;
}

/** Answers [a, b] at index 10, then one 500, then [a] only; the rest block until close. */
async function comeBack(stage: Stage, restartGraceMs?: number) {
  let failed = false;
  const agent = await startFakeAgent((request, response) => {
    if (request.url.startsWith('/v1/agent/self')) {
      const node = failed ? stage.nodeAfter : 'node-a';
      if (node === undefined) {
        response.writeHead(403, { 'content-type': 'text/plain' });
        response.end('Permission denied');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ Config: { NodeID: node } }));
      return;
    }
    if (!request.url.startsWith('/v1/health/service/svc')) return response.end();
    const health = agent.requests.filter((r) => r.url.startsWith('/v1/health/service/svc'));
    const n = health.indexOf(request);
    if (n === 0) return healthAnswer(response, 10, [healthEntry('a', 1001), healthEntry('b', 1002)]);
    if (n === 1) {
      failed = true;
      response.writeHead(500);
      response.end();
      return;
    }
    if (n === 2) return healthAnswer(response, stage.indexAfter, [healthEntry('a', 1001)]);
    // Later queries block until the registry closes.
  });
  const registry = new ConsulRegistry({
    port: agent.port,
    minRetryMs: 10,
    syncIntervalMs: false,
    ...(restartGraceMs === undefined ? {} : { restartGraceMs }),
  });
  const seen: string[] = [];
  const handle = registry.watch('svc', (s) =>
    seen.push(`${s.stale ? 'stale' : 'fresh'} ${s.instances.map((i) => i.id)}`),
  );
  // The third answer was applied once the fourth query is out.
  const deadline = performance.now() + 5_000;
  while (agent.requests.filter((r) => r.url.startsWith('/v1/health/service/svc')).length < 4) {
    if (performance.now() > deadline) throw new Error('the loop did not get to its fourth query');
    await new Promise((resolve) => setImmediate(resolve));
  }
  const snapshot = await registry.resolve('svc');
  handle.dispose();
  await registry.close();
  await agent.close();
  return { seen, snapshot };
}

describe('case 2: telling a restarted agent from one that was only unreachable', () => {
  it('same NodeID: the answer is the truth (an instance removed meanwhile goes at once)', async () => {
    const { seen } = await comeBack({ nodeAfter: 'node-a', indexAfter: 12 });
    expect(seen).toEqual(['fresh a,b', 'stale a,b', 'fresh a']);
  });

  it('a new NodeID: the lost instance is held, stale, beside the answer', async () => {
    const { seen, snapshot } = await comeBack({ nodeAfter: 'node-b', indexAfter: 12 });
    expect(seen).toEqual(['fresh a,b', 'stale a,b']);
    expect(snapshot).toMatchObject({ stale: true });
  });

  it('NodeID unreadable (no agent:read): an index that went backwards means a restart', async () => {
    expect((await comeBack({ nodeAfter: undefined, indexAfter: 3 })).seen).toEqual(['fresh a,b', 'stale a,b']);
    expect((await comeBack({ nodeAfter: undefined, indexAfter: 12 })).seen).toEqual([
      'fresh a,b',
      'stale a,b',
      'fresh a',
    ]);
  });

  it('restartGraceMs 0 trusts a restarted agent at once', async () => {
    const { seen } = await comeBack({ nodeAfter: 'node-b', indexAfter: 12 }, 0);
    expect(seen).toEqual(['fresh a,b', 'stale a,b', 'fresh a']);
  });

  it('heldInstances: back means listed and not newly critical; the answer alone once all are back', () => {
    const make = (id: string, health: 'passing' | 'critical' = 'passing') =>
      createInstance({ id, host: '127.0.0.1', port: 1000, health }, 'svc', 'instance');
    const held = [make('a'), make('b'), make('c', 'critical')];
    expect(heldInstances(held, [make('a'), make('b'), make('c', 'critical')])).toBeUndefined();
    expect(heldInstances(held, [make('a'), make('b'), make('c'), make('d')])).toBeUndefined();
    // b came back critical (its check not run yet): its held version stays; d is new.
    expect(
      heldInstances(held, [make('b', 'critical'), make('a'), make('d')])?.map((i) => `${i.id}:${i.health}`),
    ).toEqual(['a:passing', 'b:passing', 'c:critical', 'd:passing']);
  });

  it('restartGraceMs must be a finite number from 0 to 600000', () => {
    for (const bad of [-1, Number.NaN, 600_001, '30s', null]) {
      const error = configErrorOf(() => new ConsulRegistry({ restartGraceMs: bad as never }));
      expect(error.option).toBe('restartGraceMs');
    }
    void new ConsulRegistry({ restartGraceMs: 0 }).close();
  });
});
