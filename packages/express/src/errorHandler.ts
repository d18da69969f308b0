import { errorTypeOf, httpStatusOf, isSwitchyardError, type SwitchyardErrorCode } from '@switchyard/core';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { booleanOption, objectOption } from './errors.js';
import { RequestContext } from './RequestContext.js';
import { isUpstreamFailure } from './upstreamFailure.js';

/** An RFC 9457 problem details body (`application/problem+json`) with Switchyard's code. */
export interface SwitchyardProblemBody {
  readonly type: 'about:blank';
  /** The status's reason phrase, as `about:blank` problems use. */
  readonly title: string;
  readonly status: number;
  /** Same as `message`. */
  readonly detail: string;
  /** The stable Switchyard code (`SWITCHYARD_BROKEN_CIRCUIT`, ...) or, for a transport failure, its `error.type` (`ECONNREFUSED`). */
  readonly error: string;
  readonly message: string;
}

/** How an error is answered. */
export interface SwitchyardProblem {
  readonly status: number;
  /** `Retry-After` in seconds, when the error says when to come back. */
  readonly retryAfterSeconds: number | undefined;
  readonly body: SwitchyardProblemBody;
}

export interface ErrorHandlerOptions {
  /**
   * Put the error's own message in the body. Default false: messages can name internal
   * hosts, services and URLs, so a fixed description per code is sent instead.
   */
  readonly exposeMessages?: boolean;
}

/** The public message per code (the status comes from core's `httpStatusOf`). */
const MESSAGES: Partial<Record<SwitchyardErrorCode, string>> = {
  SWITCHYARD_BROKEN_CIRCUIT: 'An upstream service is failing and its circuit breaker is open',
  SWITCHYARD_ISOLATED_CIRCUIT: 'An upstream service is isolated by its circuit breaker',
  SWITCHYARD_BULKHEAD_REJECTED: 'Too many concurrent calls to an upstream service',
  SWITCHYARD_NO_INSTANCES: 'No instance of an upstream service is available',
  SWITCHYARD_REGISTRY: 'Service discovery is unavailable',
  SWITCHYARD_TIMEOUT: 'An upstream service did not answer in time',
  SWITCHYARD_HTTP_STATUS: 'An upstream service answered with an error',
};

const TITLES: Readonly<Record<number, string>> = {
  499: 'Client Closed Request',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * How `switchyardErrorHandler` answers `error`, or undefined for errors it leaves to the
 * next handler (programming errors such as `ConfigError`, and errors that did not come
 * from a Switchyard call).
 *
 * | Error | Status |
 * | --- | --- |
 * | open breaker (`BrokenCircuitError`) | 503 + `Retry-After` (its `retryAfterMs` in seconds, at least 1) |
 * | isolated breaker, full bulkhead, no instances, registry unavailable | 503 |
 * | `TimeoutError` (or a `TimeoutError` DOMException from an upstream call) | 504 |
 * | failing upstream status, other Switchyard errors, transport errors from `req.switchyard` | 502 |
 */
export function switchyardProblem(error: unknown, options: ErrorHandlerOptions = {}): SwitchyardProblem | undefined {
  let status: number;
  let message: string;
  let code: string;
  let retryAfterSeconds: number | undefined;
  if (isSwitchyardError(error)) {
    const answer = httpStatusOf(error);
    if (answer === undefined) return undefined;
    ({ status, retryAfterSeconds } = answer);
    message = MESSAGES[error.code] ?? 'An upstream call failed';
    code = error.code;
  } else if (isUpstreamFailure(error)) {
    code = errorTypeOf(error);
    [status, message] =
      code === 'timeout'
        ? [504, 'An upstream service did not answer in time']
        : [502, 'An upstream service could not be reached'];
  } else {
    return undefined;
  }
  const detail = options.exposeMessages === true && error instanceof Error ? error.message : message;
  return {
    status,
    retryAfterSeconds,
    body: { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, error: code, message: detail },
  };
}

/**
 * Error middleware that answers Switchyard failures with the right status (see
 * `switchyardProblem`), `Retry-After` when known, and an `application/problem+json` body.
 * Anything else goes to `next(err)`. Mount it after your routes.
 */
export function switchyardErrorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  objectOption('options', options);
  if (options.exposeMessages !== undefined) booleanOption('exposeMessages', options.exposeMessages);
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    const ctx = (req as { switchyard?: unknown }).switchyard;
    const own = ctx instanceof RequestContext ? ctx : undefined;
    if (own?.disconnected === true && (isSwitchyardError(error) || isUpstreamFailure(error))) {
      // Nobody is left to read an answer; 499 (nginx's "client closed request") keeps logs honest.
      own.failure = error;
      if (!res.headersSent) res.status(499);
      res.end();
      return;
    }
    const problem = switchyardProblem(error, options);
    if (problem === undefined || res.headersSent) {
      next(error);
      return;
    }
    if (own !== undefined) {
      own.noteRoute();
      own.failure = error;
    }
    res.status(problem.status);
    if (problem.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(problem.retryAfterSeconds));
    res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
    res.end(JSON.stringify(problem.body));
  };
}
