import { type Attributes, type Context, type Histogram, type Span, SpanStatusCode } from '@opentelemetry/api';
import type { Clock } from '../common/Clock.js';
import { redactException } from '../common/redact.js';
import { httpServerErrorType } from '../errors/errorType.js';
import { errorSnapshot, errorText, isInstanceOf } from '../errors/safeRead.js';
import { ATTR, httpServerSpanName } from '../telemetry/names.js';
import type { HttpServerRequestGetter } from './HttpServerRequestGetter.js';
import type { TelemetryGuard } from './TelemetryGuard.js';

/** How a server request ended. */
export interface HttpServerRequestResult {
  /** The status sent; undefined when the client went away before a response head was sent. */
  readonly statusCode?: number | undefined;
  /** What the request failed with (thrown by the handler, or answered by an error handler), if anything. */
  readonly error?: unknown;
  /** The client went away before the response was finished. */
  readonly aborted?: boolean;
}

/** One server request being observed. */
export interface HttpServerRequestHandle {
  /** The context to run the handler in: the request's span, or the trace someone else started. */
  readonly context: Context;
  /** Ends the span and records the duration (once; later calls do nothing). */
  end(result: HttpServerRequestResult): void;
}

function ignore(): void {}

/** A request whose span and duration another instrumentation reports: only its context matters. */
export function externalServerRequest(context: Context): HttpServerRequestHandle {
  return { context, end: ignore };
}

/** A request with Switchyard's SERVER span: ends it and records `http.server.request.duration`. */
export class ServerRequestSpan<R> implements HttpServerRequestHandle {
  private ended = false;

  constructor(
    readonly context: Context,
    private readonly span: Span,
    private readonly request: R,
    private readonly getter: HttpServerRequestGetter<R>,
    /** Canonical `http.request.method`, `url.scheme` and `network.protocol.version`, read at the start. */
    private readonly method: string,
    private readonly scheme: string,
    private readonly protocolVersion: string | undefined,
    /** The route given at the start (already in the span's name and attributes). */
    private readonly startRoute: string | undefined,
    /** Undefined when nothing records metrics (then `startedAt` was not read either). */
    private readonly duration: Histogram | undefined,
    private readonly clock: Clock,
    private readonly startedAt: number,
    private readonly guard: TelemetryGuard,
  ) {}

  end(result: HttpServerRequestResult): void {
    if (this.ended) return;
    this.ended = true;
    this.guard.run(
      () => this.record(result),
      // Recording failed before the span ended: still try to end it, so it is not left open.
      () =>
        this.guard.run(
          () => this.span.end(),
          () => undefined,
        ),
    );
  }

  private record({ statusCode, error, aborted }: HttpServerRequestResult): void {
    const span = this.span;
    const duration = this.duration;
    const recording = span.isRecording();
    if (duration === undefined && !recording) {
      // Nobody records: no route to resolve, nothing to classify.
      span.end();
      return;
    }
    const lateRoute = this.getter.route?.(this.request);
    // A 4xx is the client's problem: only 5xx make the server span an error.
    const errorType =
      statusCode !== undefined && statusCode >= 500 ? httpServerErrorType(statusCode, error) : undefined;
    if (duration !== undefined) {
      const seconds = (this.clock.now() - this.startedAt) / 1000;
      const route = lateRoute ?? this.startRoute;
      const attributes: Attributes = { [ATTR.httpRequestMethod]: this.method, [ATTR.urlScheme]: this.scheme };
      if (this.protocolVersion !== undefined) attributes[ATTR.networkProtocolVersion] = this.protocolVersion;
      if (route !== undefined) attributes[ATTR.httpRoute] = route;
      if (statusCode !== undefined) attributes[ATTR.httpResponseStatusCode] = statusCode;
      if (errorType !== undefined) attributes[ATTR.errorType] = errorType;
      duration.record(seconds, attributes);
    }

    if (recording) {
      if (lateRoute !== undefined && lateRoute !== this.startRoute) {
        span.updateName(httpServerSpanName(this.method, lateRoute));
        span.setAttribute(ATTR.httpRoute, lateRoute);
      }
      if (statusCode !== undefined) span.setAttribute(ATTR.httpResponseStatusCode, statusCode);
      if (aborted === true) span.setAttribute(ATTR.requestAborted, true);
      // The error the request failed with, or the one that met a client already gone.
      if (error !== undefined && (errorType !== undefined || aborted === true)) {
        // Read safely: a throwing getter must not break the response path.
        span.recordException(
          // `errorText` is scrubbed already.
          isInstanceOf(error, Error) ? redactException(errorSnapshot(error)) : errorText(error),
        );
      }
      if (errorType !== undefined) {
        span.setAttribute(ATTR.errorType, errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    span.end();
  }
}
