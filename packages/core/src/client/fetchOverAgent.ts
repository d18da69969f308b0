import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { AbortTarget } from '../policy/LazyAbort.js';
import { isUsageCode } from './connectionErrorOf.js';
import { decodeBody } from './decodeBody.js';
import { FetchedResponse } from './FetchedResponse.js';
import { pathOf } from './instanceUrl.js';
import { webBodyOf } from './webBodyOf.js';

/**
 * fetch's semantics over undici's `request`, for the requests where nothing is lost: the
 * headers fetch adds, the default `Content-Type` of a string or form body, redirects
 * followed as fetch follows them, the body decoded by its `Content-Encoding`, and a
 * `Response` that knows its URL. fetch's own machinery (Request, its web streams on the
 * way out, signal following) costs more per request than undici's whole `request`.
 * Anything else (a Blob, FormData or stream body, a `cache`, `mode`, `credentials`...)
 * goes to fetch itself: `agentRequestOf` says which.
 */

/** What one request over the agent carries; made once per attempt. */
export interface AgentRequest {
  method: string;
  /** Lower-cased names, no prototype. */
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  readonly redirect: 'follow' | 'error' | 'manual';
  readonly dispatcher: Dispatcher | undefined;
}

/** The RequestInit keys sent over the agent as fetch would send them (the rest of FetchRequestInit is Switchyard's). */
const AGENT_KEYS: ReadonlySet<string> = new Set([
  'method',
  'headers',
  'body',
  'signal',
  'redirect',
  'keepalive',
  'dispatcher',
  'idempotent',
  'key',
]);
/** fetch refuses these methods: left to it, so the error is fetch's. */
const FORBIDDEN_METHODS: ReadonlySet<string> = new Set(['CONNECT', 'TRACE', 'TRACK']);
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);
/** As fetch: at most 20 redirects. */
const MAX_REDIRECTS = 20;
/** Dropped when a redirect turns the request into a GET without a body. */
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];
/** Dropped when a redirect leaves the origin. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host'];

/**
 * As fetch does for its responses: a body collected unread frees the connection under it
 * (a caller that only looked at the status would otherwise hold it).
 */
const unreadBodies = new FinalizationRegistry<Readable>((body) => {
  if (!body.destroyed && !body.readableEnded) body.destroy();
});

type Init = Readonly<RequestInit> & { readonly dispatcher?: unknown };

/**
 * The request to send over the agent for `init`, or undefined when fetch must send it
 * (a body or option only fetch handles, or one fetch refuses, so its error stays fetch's).
 */
export function agentRequestOf(
  init: Init,
  method: string,
  https: boolean,
  trace: Readonly<Record<string, string>> | undefined,
): AgentRequest | undefined {
  for (const key in init) {
    if (!AGENT_KEYS.has(key) && (init as Record<string, unknown>)[key] !== undefined) return undefined;
  }
  if (FORBIDDEN_METHODS.has(method) || init.keepalive === true) return undefined;
  const redirect = init.redirect ?? 'follow';
  if (redirect !== 'follow' && redirect !== 'error' && redirect !== 'manual') return undefined;
  let body: string | Uint8Array | null = null;
  let contentType: string | undefined;
  const given = init.body;
  if (given !== undefined && given !== null) {
    if (method === 'GET' || method === 'HEAD') return undefined;
    if (typeof given === 'string') {
      body = given;
      contentType = 'text/plain;charset=UTF-8';
    } else if (given instanceof URLSearchParams) {
      body = given.toString();
      contentType = 'application/x-www-form-urlencoded;charset=UTF-8';
    } else if (given instanceof ArrayBuffer) {
      body = new Uint8Array(given);
    } else if (ArrayBuffer.isView(given)) {
      body = new Uint8Array(given.buffer, given.byteOffset, given.byteLength);
    } else {
      return undefined;
    }
  }
  const headers = headersOf(init.headers);
  if (headers === undefined) return undefined;
  if (trace !== undefined) for (const name in trace) headers[name] = trace[name] as string;
  if (contentType !== undefined) headers['content-type'] ??= contentType;
  // What fetch adds to every request, so a server sees the same request either way.
  headers.accept ??= '*/*';
  headers['accept-language'] ??= '*';
  headers['sec-fetch-mode'] ??= 'cors';
  headers['user-agent'] ??= 'node';
  headers['accept-encoding'] ??= https ? 'br, gzip, deflate' : 'gzip, deflate';
  const dispatcher = init.dispatcher as Dispatcher | undefined;
  return { method, headers, body, redirect, dispatcher };
}

/** A HeadersInit as lower-cased names (repeats joined as fetch joins them); undefined for a kind fetch must judge. */
function headersOf(init: RequestInit['headers']): Record<string, string> | undefined {
  // No prototype: a header named `__proto__` stays a header.
  const headers: Record<string, string> = Object.create(null);
  if (init === undefined) return headers;
  const add = (name: string, value: string): void => {
    const key = name.toLowerCase();
    const had = headers[key];
    headers[key] = had === undefined ? value : `${had}${key === 'cookie' ? '; ' : ', '}${value}`;
  };
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      add(name, value);
    });
  } else if (Array.isArray(init)) {
    for (const pair of init) {
      if (!Array.isArray(pair) || pair.length !== 2) return undefined;
      add(String(pair[0]), String(pair[1]));
    }
  } else if (typeof init === 'object' && init !== null) {
    for (const name in init) add(name, String((init as Record<string, unknown>)[name]));
  } else {
    return undefined;
  }
  return headers;
}

/**
 * Sends `request` to `url` (origin and path given apart, so the first hop parses no URL)
 * and answers as fetch would. Rejects with undici's error when no response came, or with
 * fetch's `TypeError('fetch failed')` for a redirect fetch would refuse.
 */
export async function fetchOverAgent(
  agent: Dispatcher,
  origin: string,
  path: string,
  request: AgentRequest,
  signal: AbortTarget | undefined,
): Promise<Response> {
  const dispatcher = request.dispatcher ?? agent;
  const first = origin;
  let url = origin + path;
  for (let redirects = 0; ; redirects++) {
    let data: Dispatcher.ResponseData;
    try {
      data = await dispatcher.request({
        origin,
        path,
        method: request.method,
        headers: request.headers,
        body: request.body,
        // undici follows any object with abort events: no AbortSignal is made per attempt.
        signal: signal as AbortSignal | undefined,
      });
    } catch (error) {
      // An abort's reason goes as it is; the rest as fetch rejects, undici's error as cause.
      if (signal?.aborted === true) throw error;
      const code = (error as { code?: unknown } | null)?.code;
      throw isUsageCode(code) ? new TypeError((error as Error).message, { cause: error }) : fetchFailed(error);
    }
    const status = data.statusCode;
    const location = REDIRECT_STATUSES.has(status) ? firstOf(data.headers.location) : undefined;
    if (location !== undefined && request.redirect !== 'manual') {
      void data.body.dump().catch(ignore);
      const next = redirectTarget(request, url, origin, location, status, redirects);
      // As fetch reports it: a Location's fragment is not part of the response's URL.
      url = next.hash === '' ? next.href : next.href.slice(0, -next.hash.length);
      origin = next.origin;
      path = pathOf(next);
      continue;
    }
    const headers: Array<[string, string]> = [];
    for (const name in data.headers) {
      const value = data.headers[name];
      if (typeof value === 'string') headers.push([name, value]);
      else if (value !== undefined) for (const each of value) headers.push([name, each]);
    }
    // A body that fails before anyone reads it (a reset, or the destroy below) must not
    // emit an unheard 'error', which would crash the process: its reader gets the error.
    data.body.on('error', ignore);
    if (NULL_BODY_STATUSES.has(status) || request.method === 'HEAD') {
      void data.body.dump().catch(ignore);
      return new FetchedResponse(
        null,
        { status, statusText: data.statusText, headers },
        url,
        redirects > 0,
        origin !== first,
      );
    }
    try {
      const encoding = data.headers['content-encoding'];
      // Repeated Content-Encoding headers are one list, as fetch reads them.
      const body = encoding === undefined ? data.body : decodeBody(data.body, String(encoding));
      const sent = webBodyOf(body) as ConstructorParameters<typeof Response>[0];
      const init = { status, statusText: data.statusText, headers };
      const response = new FetchedResponse(sent, init, url, redirects > 0, origin !== first);
      // Keyed on the body stream, not the Response: a caller may keep reading a body (or a clone) it took from a response it dropped.
      unreadBodies.register(response.body as object, data.body);
      return response;
    } catch (error) {
      // A status Response refuses, or too many codings: nothing will read this body.
      data.body.destroy();
      throw error;
    }
  }
}

/** Where a redirect leads, with `request` changed as fetch changes it; throws where fetch would fail. */
function redirectTarget(
  request: AgentRequest,
  url: string,
  origin: string,
  location: string,
  status: number,
  redirects: number,
): URL {
  if (request.redirect === 'error') throw fetchFailed('unexpected redirect');
  if (redirects >= MAX_REDIRECTS) throw fetchFailed('redirect count exceeded');
  let next: URL;
  try {
    next = new URL(location, url);
  } catch (error) {
    throw fetchFailed(error);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') throw fetchFailed('URL scheme must be a HTTP(S) scheme');
  const method = request.method;
  if (
    ((status === 301 || status === 302) && method === 'POST') ||
    (status === 303 && method !== 'GET' && method !== 'HEAD')
  ) {
    request.method = 'GET';
    request.body = null;
    request.headers = without(request.headers, BODY_HEADERS);
  }
  if (next.origin !== origin) request.headers = without(request.headers, CREDENTIAL_HEADERS);
  return next;
}

function without(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  const kept: Record<string, string> = Object.create(null);
  for (const name in headers) if (!names.includes(name)) kept[name] = headers[name] as string;
  return kept;
}

/** fetch's rejection for a request that got no usable response. */
function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause: cause instanceof Error ? cause : new Error(String(cause)) });
}

function ignore(): void {}

function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
