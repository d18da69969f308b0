// Issue 10, item 1: with the platform's fetch, client.fetch sends what it can over the
// client's undici agent instead of fetch (fetch's own machinery costs more per request
// than undici's whole request). Each case here runs through both paths against the same
// real server, the fetch path forced by a `fetch` option, and must come out the same:
// what the server sees, and the Response the caller gets.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { ConnectionError, createClient, type ServiceClient, StaticRegistry } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

let seen: Seen[] = [];
let servers: Array<{ port: number; close: () => Promise<void> }> = [];
let main = 0;
let other = 0;

/** Path → [status, location] of the redirects the server answers. */
const REDIRECTS: Record<string, [number, () => string]> = {
  '/302': [302, () => '/echo'],
  '/303': [303, () => '/echo'],
  '/307': [307, () => '/echo'],
  '/loop': [302, () => '/loop'],
  '/elsewhere': [307, () => `http://127.0.0.1:${other}/echo`],
  '/bad-scheme': [302, () => 'ftp://127.0.0.1/file'],
  '/fragment': [302, () => '/echo#part'],
};

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const redirect = REDIRECTS[url.pathname];
  if (redirect !== undefined) {
    res.writeHead(redirect[0], { location: redirect[1]() });
    res.end('moved');
    return;
  }
  switch (url.pathname) {
    case '/echo':
      res.writeHead(201, 'Made', { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'], 'x-many': 'v' });
      res.end(`echo:${body}`);
      return;
    case '/no-content':
      res.writeHead(204, { 'x-kind': 'empty' });
      res.end();
      return;
    case '/encoded': {
      const coding = url.searchParams.get('coding') ?? '';
      const text = Buffer.from('decoded body '.repeat(50));
      const encoded =
        coding === 'gzip'
          ? zlib.gzipSync(text)
          : coding === 'deflate'
            ? zlib.deflateSync(text)
            : coding === 'deflate-raw'
              ? zlib.deflateRawSync(text)
              : coding === 'br'
                ? zlib.brotliCompressSync(text)
                : coding === 'gzip, br' || coding === 'gzip; br'
                  ? zlib.brotliCompressSync(zlib.gzipSync(text))
                  : text;
      // 'gzip; br' stands for the two codings in two Content-Encoding headers.
      const header: string | string[] =
        coding === 'deflate-raw' ? 'deflate' : coding === 'gzip; br' ? ['gzip', 'br'] : coding;
      res.setHeader('content-encoding', header);
      res.writeHead(200);
      res.end(encoded);
      return;
    }
    case '/cut':
      res.writeHead(200, { 'content-length': '100' });
      res.write('only part');
      setImmediate(() => res.socket?.destroy());
      return;
    default:
      res.writeHead(404);
      res.end();
  }
}

async function listen(record: boolean): Promise<number> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (record) {
        const { host: _host, connection: _connection, ...headers } = req.headers;
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers, body });
      } else {
        seen.push({ method: req.method ?? '', url: `other:${req.url}`, headers: req.headers, body });
      }
      route(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return (server.address() as AddressInfo).port;
}

let registry: StaticRegistry;
let viaAgent: ServiceClient;
let viaFetch: ServiceClient;

beforeAll(async () => {
  main = await listen(true);
  other = await listen(false);
  registry = new StaticRegistry({ services: { shop: [{ id: 's', host: '127.0.0.1', port: main }] } });
  const options = { registry, telemetry: false, retry: false, breaker: false } as const;
  viaAgent = createClient(options);
  // Any `fetch` option is the caller's fetch: the request goes through it, not the agent.
  viaFetch = createClient({ ...options, fetch: (input, init) => fetch(input, init) });
});

afterAll(async () => {
  await viaAgent.close();
  await viaFetch.close();
  await registry.close();
  for (const server of servers) await server.close();
  servers = [];
});

interface Outcome {
  readonly seen: Seen[];
  readonly response?: {
    status: number;
    statusText: string;
    headers: Array<[string, string]>;
    setCookies: string[];
    url: string;
    redirected: boolean;
    type: string;
    body: string | null;
    isResponse: boolean;
  };
  readonly error?: { name: string; message: string };
}

/** Runs one call on a client; the Response minus what differs per run (date, ports in URLs). */
async function outcome(client: ServiceClient, path: string, init: RequestInit = {}): Promise<Outcome> {
  seen = [];
  try {
    const response = await client.fetch('shop', path, init);
    const headers = [...response.headers].filter(([name]) => name !== 'date' && name !== 'keep-alive');
    const body = response.body === null ? null : await response.text();
    return {
      seen,
      response: {
        status: response.status,
        statusText: response.statusText,
        headers,
        setCookies: response.headers.getSetCookie(),
        url: response.url.replace(String(main), 'MAIN'),
        redirected: response.redirected,
        type: response.type,
        body,
        isResponse: response instanceof Response,
      },
    };
  } catch (error) {
    const e = error as Error;
    return { seen, error: { name: e.name, message: e.message.replace(String(main), 'MAIN') } };
  }
}

async function same(path: string, init: RequestInit = {}): Promise<Outcome> {
  const agent = await outcome(viaAgent, path, init);
  const fetched = await outcome(viaFetch, path, init);
  expect(agent).toEqual(fetched);
  return agent;
}

describe('issue 10: client.fetch over the agent answers as over fetch', () => {
  it('goes over the agent unless the global fetch was replaced (a mock or an instrumentation is honoured)', async () => {
    const platform = globalThis.fetch;
    let calls = 0;
    globalThis.fetch = (input, init) => {
      calls++;
      return platform(input, init);
    };
    try {
      await (await viaAgent.fetch('shop', '/echo')).text();
      expect(calls).toBe(1);
    } finally {
      globalThis.fetch = platform;
    }
    await (await viaAgent.fetch('shop', '/echo')).text();
    expect(calls).toBe(1);
  });

  it('GET: the same request headers, status text, headers, cookies and URL', async () => {
    const result = await same('/echo?q=1');
    expect(result.seen[0]?.headers['user-agent']).toBe('node');
    expect(result.response).toMatchObject({ status: 201, statusText: 'Made', type: 'basic', redirected: false });
    expect(result.response?.setCookies).toEqual(['a=1', 'b=2']);
    expect(result.response?.url).toBe('http://127.0.0.1:MAIN/echo?q=1');
    expect(result.response?.isResponse).toBe(true);
  });

  it.each(["/echo?q='quoted'", '/echo/%2e%2e/echo', '/echo/%2E./echo', '/echo/./x/../'])(
    'sends %s as fetch sends it (what its URL parsing rewrites)',
    async (path) => {
      const result = await same(path);
      expect(result.seen).toHaveLength(1);
    },
  );

  it("leaves a Location's fragment out of the response's URL", async () => {
    expect((await same('/fragment')).response?.url).toBe('http://127.0.0.1:MAIN/echo');
  });

  it.each([
    ['a string', 'plain text'],
    ['form parameters', new URLSearchParams({ a: '1', b: 'two' })],
    ['bytes', new TextEncoder().encode('bytes')],
    ['an ArrayBuffer', new TextEncoder().encode('buffer').buffer],
  ])('POST with %s: the same body and default content-type', async (_name, body) => {
    const result = await same('/echo', { method: 'POST', body: body as NonNullable<RequestInit['body']> });
    expect(result.seen).toHaveLength(1);
    expect(result.response?.body).toMatch(/^echo:/);
  });

  it.each([
    ['a record', { 'X-One': '1', 'Content-Type': 'application/json' }],
    [
      'pairs with a repeat',
      [
        ['x-one', '1'],
        ['X-One', '2'],
        ['cookie', 'a=1'],
        ['Cookie', 'b=2'],
      ],
    ],
    ['a Headers', new Headers({ 'x-one': '1', accept: 'application/json', 'user-agent': 'mine' })],
  ])('headers given as %s reach the server the same', async (_name, headers) => {
    await same('/echo', { method: 'POST', body: '{}', headers: headers as NonNullable<RequestInit['headers']> });
  });

  it.each(['/302', '/303', '/307'])('follows %s as fetch does (method, body and the final URL)', async (path) => {
    const result = await same(path, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/x' } });
    expect(result.response?.redirected).toBe(true);
    expect(result.seen.map((s) => s.method)).toEqual(['POST', path === '/307' ? 'POST' : 'GET']);
  });

  it('drops credentials on a redirect to another origin', async () => {
    const result = await same('/elsewhere', { headers: { authorization: 'Bearer s3cret', 'x-keep': 'yes' } });
    expect(result.response?.type).toBe('cors');
    const there = result.seen[1];
    expect(there?.url).toBe('other:/echo');
    expect(there?.headers.authorization).toBeUndefined();
    expect(there?.headers['x-keep']).toBe('yes');
  });

  it('manual redirects answer with the redirect; error and endless redirects reject alike', async () => {
    expect((await same('/302', { redirect: 'manual' })).response?.status).toBe(302);
    for (const [path, init] of [
      ['/302', { redirect: 'error' }],
      ['/loop', {}],
      ['/bad-scheme', {}],
    ] as const) {
      const result = await same(path, init);
      expect(result.error?.name).toBe(new ConnectionError('shop', 's', 'a', undefined).name);
    }
  });

  it('no body for 204 and HEAD', async () => {
    expect((await same('/no-content')).response?.body).toBeNull();
    expect((await same('/echo', { method: 'HEAD' })).response?.body).toBeNull();
  });

  it.each(['gzip', 'deflate', 'deflate-raw', 'br', 'gzip, br', 'gzip; br', 'compress'])(
    'decodes a %s body as fetch does',
    async (coding) => {
      const result = await same(`/encoded?coding=${encodeURIComponent(coding)}`);
      if (coding !== 'compress') expect(result.response?.body).toBe('decoded body '.repeat(50));
    },
  );

  it('a body cut short rejects its reader on both paths', async () => {
    for (const client of [viaAgent, viaFetch]) {
      const response = await client.fetch('shop', '/cut');
      await expect(response.text()).rejects.toBeInstanceOf(Error);
    }
  });

  it('a clone keeps the URL', async () => {
    const response = await viaAgent.fetch('shop', '/echo');
    const copy = response.clone();
    expect([copy.url, copy.redirected, copy.type]).toEqual([response.url, false, 'basic']);
    expect(await copy.text()).toBe(await response.text());
  });

  it('bodies only fetch handles (Blob, FormData, a stream) still go, through fetch', async () => {
    const form = new FormData();
    form.set('field', 'value');
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    await same('/echo', { method: 'POST', body: new Blob(['blob'], { type: 'text/x-blob' }) });
    // A form's boundary is random per request: both carry the field.
    for (const client of [viaAgent, viaFetch]) {
      const result = await outcome(client, '/echo', { method: 'POST', body: form });
      expect(result.seen[0]?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      expect(result.response?.body).toMatch(/name="field"\r\n\r\nvalue\r\n/);
    }
    const result = await outcome(viaAgent, '/echo', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(result.response?.body).toBe('echo:streamed');
  });
});
