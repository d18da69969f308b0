import { ConfigError } from '../errors/ConfigError.js';
import { HttpStatusError } from '../errors/HttpStatusError.js';
import type { Instance } from '../registry/Instance.js';
import type { FetchRequestInit } from './ClientOptions.js';
import { connectionErrorOf } from './connectionErrorOf.js';
import type { Exchange } from './Exchange.js';
import { type AgentRequest, agentRequestOf, fetchOverAgent } from './fetchOverAgent.js';
import { instanceOrigin, pathOf } from './instanceUrl.js';
import type { LazyAgent } from './LazyAgent.js';
import { parseRetryAfter } from './retryAfter.js';

export interface HttpTransportOptions {
  /** Undefined for the platform's fetch. */
  readonly fetch: typeof fetch | undefined;
  readonly scheme: 'http' | 'https';
  readonly isFailureStatus: (status: number) => boolean;
}

const PATH_BASE = 'http://service.invalid';
/** The platform's fetch as this module found it: a global replaced since (a mock, an instrumentation) is honoured. */
const platformFetch: typeof fetch | undefined = globalThis.fetch;
/**
 * A path undici can send as it is: what fetch's URL parsing would leave unchanged (no
 * fragment, space, quote or backslash; no dot segment, written plainly or as %2e).
 */
const PLAIN_PATH = /^\/[\w\-~!$&()*+,;=:@/?%]*$/;
const DOT_SEGMENT = /\/(?:\.|%2e)/i;

/**
 * One HTTP attempt of `client.fetch`, over the client's undici agent or over fetch: the
 * URL on the picked instance, the attempt's trace headers added, failure statuses turned into `HttpStatusError` so breakers and
 * retries see them, and a request that got no response into `ConnectionError`.
 */
export class HttpTransport {
  constructor(
    private readonly options: HttpTransportOptions,
    private readonly agents: LazyAgent,
  ) {}

  /**
   * Throws a ConfigError unless `path` stays on the service: an absolute or
   * protocol-relative URL would send the request (and charge the breaker) elsewhere.
   */
  static checkPath(path: unknown): string {
    if (typeof path === 'string') {
      if (path.startsWith('/') && path[1] !== '/' && path[1] !== '\\') return path;
      if (!path.startsWith('/')) {
        try {
          if (new URL(path, PATH_BASE).origin === PATH_BASE) return path;
        } catch {
          // Not a URL at all: refused below.
        }
      }
    }
    throw new ConfigError('path', 'a path on the service, such as "/items/42" (not a URL of another host)', path);
  }

  urlOf(instance: Instance, path: string): string {
    const origin = instanceOrigin(instance, this.options.scheme);
    // A plain path needs no URL parsing: the common case stays a string all the way to fetch.
    return path.startsWith('/') ? origin + path : new URL(path, origin).href;
  }

  /**
   * With the platform's fetch (no `fetch` option, the global not replaced), a request
   * fetch would send the same way goes over the client's undici agent (see
   * fetchOverAgent.ts); anything else goes to fetch.
   */
  send(exchange: Exchange<Response>, method: string, path: string, init: FetchRequestInit): Promise<Response> {
    if (this.options.fetch === undefined && globalThis.fetch === platformFetch) {
      const origin = instanceOrigin(exchange.picked, this.options.scheme);
      const request = agentRequestOf(init, method, origin.startsWith('https:'), exchange.traceHeaders);
      if (request !== undefined) {
        const target = PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path) ? path : pathOf(new URL(exchange.url));
        return this.sendOverAgent(exchange, origin, target, request);
      }
    }
    return this.sendOverFetch(exchange, method, init);
  }

  private async sendOverAgent(
    exchange: Exchange<Response>,
    origin: string,
    path: string,
    request: AgentRequest,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetchOverAgent(await this.agents.get(), origin, path, request, exchange.abortTarget);
    } catch (error) {
      throw connectionErrorOf(error, exchange);
    }
    return this.answer(response);
  }

  private async sendOverFetch(exchange: Exchange<Response>, method: string, init: FetchRequestInit): Promise<Response> {
    // Copy the caller's headers only when trace context has something to add to them.
    let headers = init.headers;
    const trace = exchange.traceHeaders;
    if (trace !== undefined) {
      const merged = new Headers(init.headers);
      for (const key in trace) merged.set(key, trace[key] as string);
      headers = merged;
    }
    // An attempt nothing can abort (no timeout, no caller signal, no hedge) goes without a
    // signal: fetch does extra work for every request that carries one.
    const request: RequestInit = { ...init, method };
    if (exchange.abortTarget !== undefined) request.signal = exchange.signal;
    if (headers !== undefined) request.headers = headers;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(exchange.url, request);
    } catch (error) {
      throw connectionErrorOf(error, exchange);
    }
    return this.answer(response);
  }

  /** The response, or an `HttpStatusError` carrying it for a failure status. */
  private answer(response: Response): Response {
    if (this.options.isFailureStatus(response.status)) {
      throw new HttpStatusError(response, parseRetryAfter(response.headers.get('retry-after')));
    }
    return response;
  }
}
