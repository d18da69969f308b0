import type { Agent, Dispatcher } from 'undici';
import { HttpStatusError } from '../errors/HttpStatusError.js';
import { type Instance, instanceAuthority } from '../registry/Instance.js';
import type { ServiceRequestOptions } from './ClientOptions.js';
import { connectionErrorOf } from './connectionErrorOf.js';
import type { Exchange } from './Exchange.js';
import { parseRetryAfter } from './retryAfter.js';
import type { ResponseBody, ServiceResponse } from './ServiceResponse.js';

export interface RequestTransportOptions {
  readonly scheme: 'http' | 'https';
  readonly isFailureStatus: (status: number) => boolean;
}

/** undici's codes for a request it refused to build: the caller's mistake, not the network's. */
/**
 * One HTTP attempt over undici's `request` on a keep-alive `Agent` of this client: the
 * same contract as `HttpTransport` (trace headers added, failure statuses as
 * `HttpStatusError`, no response as `ConnectionError`) without fetch's web streams,
 * `Request`/`Headers` objects and per-request signal following. undici is loaded on the
 * first request, so clients that only fetch never load it.
 */
export class RequestTransport {
  private agent: Agent | undefined;
  private loading: Promise<Agent> | undefined;
  private closed = false;

  constructor(private readonly options: RequestTransportOptions) {}

  originOf(instance: Instance): string {
    return `${instance.meta.scheme ?? this.options.scheme}://${instanceAuthority(instance)}`;
  }

  send(exchange: Exchange<ServiceResponse>, method: string, path: string, options: ServiceRequestOptions) {
    const agent = this.agent;
    // After the first request the agent is at hand: no extra await per request.
    if (agent !== undefined) return this.sendOn(agent, exchange, method, path, options);
    return this.load().then((loaded) => this.sendOn(loaded, exchange, method, path, options));
  }

  /** Closes the agent's connections; requests in flight are aborted by undici. */
  async close(): Promise<void> {
    this.closed = true;
    const agent = this.agent ?? (this.loading === undefined ? undefined : await this.loading);
    this.agent = undefined;
    await agent?.destroy();
  }

  private load(): Promise<Agent> {
    const before = globalDispatchers();
    this.loading ??= import('undici').then(({ Agent }) => {
      keepGlobalDispatchers(before);
      const agent = new Agent();
      // A client closed while undici loaded keeps no sockets open.
      if (this.closed) void agent.destroy();
      else this.agent = agent;
      return agent;
    });
    return this.loading;
  }

  private async sendOn(
    agent: Agent,
    exchange: Exchange<ServiceResponse>,
    method: string,
    path: string,
    options: ServiceRequestOptions,
  ): Promise<ServiceResponse> {
    const instance = exchange.picked;
    const origin = this.originOf(instance);
    // A plain path goes as is; a relative one ("items/1") is resolved like fetch would.
    const target = path.startsWith('/') ? path : pathOf(new URL(path, `${origin}/`));
    let headers = options.headers;
    const trace = exchange.traceHeaders;
    if (trace !== undefined) headers = withTraceHeaders(headers, trace);
    let data: Dispatcher.ResponseData;
    try {
      data = await agent.request({
        origin,
        path: target,
        method,
        headers: headers ?? null,
        body: options.body ?? null,
        // undici follows any object with abort events: no AbortSignal is made per attempt.
        signal: exchange.abortTarget as AbortSignal | undefined,
      });
    } catch (error) {
      throw connectionErrorOf(error, exchange);
    }
    const response: ServiceResponse = {
      status: data.statusCode,
      headers: data.headers,
      body: data.body as unknown as ResponseBody,
      url: exchange.url,
    };
    if (this.options.isFailureStatus(response.status)) {
      const retryAfter = response.headers['retry-after'];
      throw new HttpStatusError(response, parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : null));
    }
    return response;
  }
}

/** Where undici (the one bundled with Node and the npm one) keep the dispatcher of the global `fetch`. */
const GLOBAL_DISPATCHERS = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')] as const;

function globalDispatchers(): unknown[] {
  const global = globalThis as Record<symbol, unknown>;
  return GLOBAL_DISPATCHERS.map((key) => global[key]);
}

/**
 * Loading the npm undici installs its own Agent as the global `fetch`'s dispatcher when
 * none is set yet: put back what was there, so `client.request` leaves the app's fetch
 * (and `client.fetch`) on Node's own undici.
 */
function keepGlobalDispatchers(before: readonly unknown[]): void {
  const global = globalThis as Record<symbol, unknown>;
  GLOBAL_DISPATCHERS.forEach((key, i) => {
    if (global[key] !== before[i]) global[key] = before[i];
  });
}

function pathOf(url: URL): string {
  return url.pathname + url.search;
}

/** The caller's headers with the trace headers set, replacing any of the same name in another case. */
function withTraceHeaders(
  headers: Readonly<Record<string, string>> | undefined,
  trace: Readonly<Record<string, string>>,
): Record<string, string> {
  // No prototype: a header named `__proto__` stays a header.
  const merged: Record<string, string> = Object.create(null);
  if (headers !== undefined) {
    for (const name in headers) if (!Object.hasOwn(trace, name.toLowerCase())) merged[name] = headers[name] as string;
  }
  for (const name in trace) merged[name] = trace[name] as string;
  return merged;
}

/** Frees the connection of a response nobody will read. */
export function dumpBody(response: ServiceResponse): void {
  void response.body.dump().catch(() => {});
}
