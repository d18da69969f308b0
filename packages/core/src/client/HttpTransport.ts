import { ConfigError } from '../errors/ConfigError.js';
import { HttpStatusError } from '../errors/HttpStatusError.js';
import { type Instance, instanceAuthority } from '../registry/Instance.js';
import type { FetchRequestInit } from './ClientOptions.js';
import { connectionErrorOf } from './connectionErrorOf.js';
import type { Exchange } from './Exchange.js';
import { parseRetryAfter } from './retryAfter.js';

export interface HttpTransportOptions {
  readonly fetch: typeof fetch;
  readonly scheme: 'http' | 'https';
  readonly isFailureStatus: (status: number) => boolean;
}

const PATH_BASE = 'http://service.invalid';

/**
 * One HTTP attempt over fetch: the URL on the picked instance, the attempt's trace
 * headers added, failure statuses turned into `HttpStatusError` so breakers and
 * retries see them, and a request that got no response into `ConnectionError`.
 */
export class HttpTransport {
  constructor(private readonly options: HttpTransportOptions) {}

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
    const origin = `${instance.meta.scheme ?? this.options.scheme}://${instanceAuthority(instance)}`;
    // A plain path needs no URL parsing: the common case stays a string all the way to fetch.
    return path.startsWith('/') ? origin + path : new URL(path, origin).href;
  }

  async send(exchange: Exchange<Response>, method: string, init: FetchRequestInit): Promise<Response> {
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
      response = await this.options.fetch(exchange.url, request);
    } catch (error) {
      throw connectionErrorOf(error, exchange);
    }
    if (this.options.isFailureStatus(response.status)) {
      throw new HttpStatusError(response, parseRetryAfter(response.headers.get('retry-after')));
    }
    return response;
  }
}
