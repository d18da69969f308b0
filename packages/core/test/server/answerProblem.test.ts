// answerProblem on a real node:http server: what an adapter's error handler calls.
import { createServer, type RequestListener, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NoInstancesError, TimeoutError } from '@switchyard/core';
import { answerProblem } from '@switchyard/core/server';
import { afterEach, describe, expect, it } from 'vitest';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function get(
  handler: RequestListener,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('answerProblem()', () => {
  it('writes the problem on a plain node:http response (no adapter scope)', async () => {
    const res = await get((_req, response) => {
      expect(answerProblem(response, new NoInstancesError('billing'))).toBe(true);
    });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(res.body)).toMatchObject({ status: 503, error: 'SWITCHYARD_NO_INSTANCES' });
    expect(res.body).not.toContain('billing');
  });

  it('leaves unmapped errors and started responses to the framework', async () => {
    const seen: boolean[] = [];
    const res = await get((_req, response) => {
      seen.push(answerProblem(response, new Error('a bug')));
      response.writeHead(200);
      response.write('partial');
      seen.push(answerProblem(response, new TimeoutError(5)));
      response.end();
    });
    expect(seen).toEqual([false, false]);
    expect(res).toMatchObject({ status: 200, body: 'partial' });
  });
});
