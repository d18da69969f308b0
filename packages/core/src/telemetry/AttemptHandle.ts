import {
  type Attributes,
  type Context,
  type Histogram,
  propagation,
  type Span,
  SpanStatusCode,
  type TextMapSetter,
} from '@opentelemetry/api';
import type { AttemptHandle, AttemptResult, HeaderCarrier } from '../client/AttemptTracer.js';
import type { Clock } from '../common/Clock.js';
import { capLogText, redactException } from '../common/redact.js';
import { isAbortError } from '../errors/classify.js';
import { errorTypeOf } from '../errors/errorType.js';
import { errorSnapshot, isInstanceOf } from '../errors/safeRead.js';
import { ATTR } from './names.js';

/** Writes into fetch `Headers` (or anything with `set`) and plain records. */
export const headerSetter: TextMapSetter<HeaderCarrier> = {
  set(carrier, key, value) {
    if (typeof (carrier as Headers).set === 'function' && typeof (carrier as Headers).get === 'function') {
      (carrier as Headers).set(key, value);
    } else {
      (carrier as Record<string, string>)[key] = value;
    }
  },
};

/** Cached attributes of one (target, method): the base set and one set per status / error. */
export interface HttpMethodAttributes {
  readonly base: Attributes;
  readonly results: Map<number | string, Attributes>;
}

const MAX_RESULT_ATTRIBUTE_SETS = 128;

function resultAttributes(
  method: HttpMethodAttributes,
  statusCode: number | undefined,
  errorType: string | undefined,
  errorFromStatus: boolean,
): Attributes {
  const key = errorType === undefined || errorFromStatus ? (statusCode ?? -1) : `${statusCode ?? ''}|${errorType}`;
  let attributes = method.results.get(key);
  if (attributes === undefined) {
    const built: Attributes = { ...method.base };
    if (statusCode !== undefined) built[ATTR.httpResponseStatusCode] = statusCode;
    if (errorType !== undefined) built[ATTR.errorType] = errorType;
    attributes = Object.freeze(built);
    // Bounded: status codes and error types are few; a flood of odd ones is not cached.
    if (method.results.size < MAX_RESULT_ATTRIBUTE_SETS) method.results.set(key, attributes);
  }
  return attributes;
}

/** An attempt handle; `span` is absent when Switchyard does not trace this attempt. */
export class Attempt implements AttemptHandle {
  private ended = false;

  constructor(
    readonly context: Context,
    private readonly span: Span | undefined,
    private readonly clock: Clock,
    private readonly startedAt: number,
    /** HTTP attempts only: where the duration goes and its attributes. */
    private readonly duration: Histogram | undefined,
    private readonly http: HttpMethodAttributes | undefined,
  ) {}

  inject(carrier: HeaderCarrier): void {
    if (this.span !== undefined) propagation.inject(this.context, carrier, headerSetter);
  }

  end(result?: AttemptResult): void {
    if (this.ended) return;
    this.ended = true;
    const span = this.span;
    const http = this.http;
    if (span === undefined && http === undefined) return;

    const statusCode = http === undefined ? undefined : result?.statusCode;
    const error = result?.error;
    const aborted = result?.aborted ?? (error !== undefined && result?.errorType === undefined && isAbortError(error));
    let errorType: string | undefined;
    let errorFromStatus = false;
    if (!aborted) {
      if (result?.errorType !== undefined) errorType = result.errorType;
      else if (error !== undefined) errorType = errorTypeOf(error);
      else if (statusCode !== undefined && statusCode >= 400) {
        // HTTP client spans: 4xx and 5xx are errors; error.type is the status code.
        errorType = String(statusCode);
        errorFromStatus = true;
      }
    }

    if (http !== undefined && this.duration !== undefined && !aborted) {
      const seconds = (this.clock.now() - this.startedAt) / 1000;
      this.duration.record(seconds, resultAttributes(http, statusCode, errorType, errorFromStatus));
    }

    if (span === undefined) return;
    if (span.isRecording()) {
      if (statusCode !== undefined) span.setAttribute(ATTR.httpResponseStatusCode, statusCode);
      if (aborted) {
        span.setAttribute(ATTR.attemptAborted, true);
      } else if (errorType !== undefined) {
        span.setAttribute(ATTR.errorType, errorType);
        // Read safely: a throwing getter must not replace the caller's error. Scrubbed:
        // fetch and HttpStatusError messages (and so stacks) can hold the request URL.
        if (isInstanceOf(error, Error)) {
          // One read and one scrub serve both: an outage fails every attempt.
          const exception = redactException(errorSnapshot(error));
          span.recordException(exception);
          span.setStatus({ code: SpanStatusCode.ERROR, message: capLogText(exception.message) });
        } else {
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
    }
    span.end();
  }
}
