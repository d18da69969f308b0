import { type Context, context as otelContext } from '@opentelemetry/api';
import { isCallerAbort } from '../errors/classify.js';
import { HttpStatusError } from '../errors/HttpStatusError.js';
import { type Instance, instanceAuthority } from '../registry/Instance.js';
import type { SwitchyardTelemetry } from '../telemetry/instruments.js';
import type { CallAttempt, FetchRequestInit } from './ClientOptions.js';
import { parseRetryAfter } from './retryAfter.js';

export interface HttpTransportOptions {
  readonly fetch: typeof fetch;
  readonly scheme: 'http' | 'https';
  readonly isFailureStatus: (status: number) => boolean;
  readonly telemetry: SwitchyardTelemetry | undefined;
}

/**
 * One HTTP attempt over fetch: builds the URL from the picked instance, runs inside the
 * attempt's span with W3C trace context injected, and turns failure statuses into
 * `HttpStatusError` so breakers and retries see them.
 */
export class HttpTransport {
  constructor(private readonly options: HttpTransportOptions) {}

  async send(
    service: string,
    instance: Instance,
    path: string,
    method: string,
    init: FetchRequestInit,
    attempt: CallAttempt,
    parent: Context,
  ): Promise<Response> {
    const origin = `${instance.meta.scheme ?? this.options.scheme}://${instanceAuthority(instance)}`;
    // A plain path needs no URL parsing: the common case stays a string all the way to fetch.
    const url = path.startsWith('/') && !path.startsWith('//') ? origin + path : new URL(path, origin).href;
    const telemetry = this.options.telemetry;
    const handle = telemetry?.startHttpAttempt({
      method,
      url,
      service,
      instance,
      resendCount: attempt.attempt,
      parentContext: parent,
    });
    // Copy the caller's headers only when trace context has something to add to them.
    let headers = init.headers;
    if (handle !== undefined) {
      const carrier: Record<string, string> = {};
      handle.inject(carrier);
      for (const key in carrier) {
        if (headers === init.headers) headers = new Headers(init.headers);
        (headers as Headers).set(key, carrier[key] as string);
      }
    }
    const request: RequestInit = { ...init, method, signal: attempt.signal };
    if (headers !== undefined) request.headers = headers;
    let response: Response;
    try {
      response =
        handle === undefined
          ? await this.options.fetch(url, request)
          : await otelContext.with(handle.context, () => this.options.fetch(url, request));
    } catch (error) {
      handle?.end({
        error,
        aborted: isCallerAbort(attempt.signal),
      });
      throw error;
    }
    handle?.end({ statusCode: response.status });
    if (this.options.isFailureStatus(response.status)) {
      throw new HttpStatusError(response, parseRetryAfter(response.headers.get('retry-after')));
    }
    return response;
  }
}
