import type { Agent, Dispatcher } from 'undici';
import { HttpStatusError } from '../errors/HttpStatusError.js';
import type { ServiceRequestOptions } from './ClientOptions.js';
import { connectionErrorOf } from './connectionErrorOf.js';
import type { Exchange } from './Exchange.js';
import { instanceOrigin, pathOf } from './instanceUrl.js';
import type { LazyAgent } from './LazyAgent.js';
import { parseRetryAfter } from './retryAfter.js';
import type { ResponseBody, ServiceResponse } from './ServiceResponse.js';

export interface RequestTransportOptions {
  readonly scheme: 'http' | 'https';
  readonly isFailureStatus: (status: number) => boolean;
}

/**
 * One HTTP attempt over undici's `request` on a keep-alive `Agent` of this client: the
 * same contract as `HttpTransport` (trace headers added, failure statuses as
 * `HttpStatusError`, no response as `ConnectionError`) without fetch's web streams,
 * `Request`/`Headers` objects and per-request signal following.
 */
export class RequestTransport {
  constructor(
    private readonly options: RequestTransportOptions,
    private readonly agents: LazyAgent,
  ) {}

  send(exchange: Exchange<ServiceResponse>, method: string, path: string, options: ServiceRequestOptions) {
    const agent = this.agents.get();
    // After the first request the agent is at hand: no extra await per request.
    if (!(agent instanceof Promise)) return this.sendOn(agent, exchange, method, path, options);
    return agent.then((loaded) => this.sendOn(loaded, exchange, method, path, options));
  }

  private async sendOn(
    agent: Agent,
    exchange: Exchange<ServiceResponse>,
    method: string,
    path: string,
    options: ServiceRequestOptions,
  ): Promise<ServiceResponse> {
    const instance = exchange.picked;
    const origin = instanceOrigin(instance, this.options.scheme);
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
