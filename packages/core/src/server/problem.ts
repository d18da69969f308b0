import { errorTypeOf } from '../errors/errorType.js';
import { isSwitchyardError, type SwitchyardErrorCode } from '../errors/SwitchyardError.js';
import { errorText } from '../errors/safeRead.js';
import { httpStatusOf } from './httpStatusOf.js';
import { upstreamFailureOf } from './upstreamFailure.js';

/** An RFC 9457 problem details body (`application/problem+json`) with Switchyard's code. */
export interface SwitchyardProblemBody {
  readonly type: 'about:blank';
  /** The status's reason phrase, as `about:blank` problems use. */
  readonly title: string;
  readonly status: number;
  /** A fixed text per code, or the error's own message (secrets redacted) with `exposeMessages`. */
  readonly detail: string;
  /** The stable Switchyard code (`SWITCHYARD_BROKEN_CIRCUIT`, ...) or, for a transport failure, its `error.type` (`ECONNREFUSED`). */
  readonly error: string;
  /** Same as `detail`, for clients of the older `{ error, message }` body. */
  readonly message: string;
}

/** How an error is answered: status, headers (lower-case names) and body. */
export interface SwitchyardProblem {
  readonly status: number;
  /** `Retry-After` in seconds, when the error says when to come back. */
  readonly retryAfterSeconds: number | undefined;
  /** `content-type`, and `retry-after` when known. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: SwitchyardProblemBody;
}

export interface ProblemOptions {
  /**
   * Put the error's own message in the body. Default false: messages name internal
   * services, hosts and URLs (and a `ConfigError` the option), so a fixed text is sent.
   */
  readonly exposeMessages?: boolean;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** The public text per code. */
const MESSAGES: Partial<Record<SwitchyardErrorCode, string>> = {
  SWITCHYARD_BROKEN_CIRCUIT: 'An upstream service is failing and its circuit breaker is open',
  SWITCHYARD_ISOLATED_CIRCUIT: 'An upstream service is isolated by its circuit breaker',
  SWITCHYARD_BULKHEAD_REJECTED: 'Too many concurrent calls to an upstream service',
  SWITCHYARD_NO_INSTANCES: 'No instance of an upstream service is available',
  SWITCHYARD_REGISTRY: 'Service discovery is unavailable',
  SWITCHYARD_TIMEOUT: 'An upstream service did not answer in time',
  SWITCHYARD_HTTP_STATUS: 'An upstream service answered with an error',
  SWITCHYARD_CONNECTION: 'An upstream service could not be reached',
  SWITCHYARD_CONFIG: 'The server could not handle the request',
};

const TITLES: Readonly<Record<number, string>> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * The one mapping from failures to HTTP both adapters answer with, or undefined for errors
 * left to the framework (anything neither Switchyard's nor an upstream call's).
 *
 * | Error | Status |
 * | --- | --- |
 * | open breaker (`BrokenCircuitError`) | 503 + `Retry-After` (its `retryAfterMs` in seconds, at least 1) |
 * | isolated breaker, full bulkhead, no instances, registry unavailable | 503 |
 * | `TimeoutError`, or a `TimeoutError` DOMException | 504 |
 * | failing upstream status, `ConnectionError`, other Switchyard errors, fetch's transport `TypeError` | 502 |
 * | `ConfigError` (a bug in this service) | 500 |
 */
export function switchyardProblem(error: unknown, options: ProblemOptions = {}): SwitchyardProblem | undefined {
  let status: number;
  let message: string;
  let code: string;
  let retryAfterSeconds: number | undefined;
  if (isSwitchyardError(error)) {
    ({ status, retryAfterSeconds } = httpStatusOf(error));
    message = MESSAGES[error.code] ?? 'An upstream call failed';
    // A connection failure is told by its network code (`ECONNREFUSED`), as its span's error.type is.
    code = error.code === 'SWITCHYARD_CONNECTION' ? errorTypeOf(error) : error.code;
  } else {
    const kind = upstreamFailureOf(error);
    if (kind === undefined) return undefined;
    code = errorTypeOf(error);
    [status, message] =
      kind === 'timeout'
        ? [504, 'An upstream service did not answer in time']
        : [502, 'An upstream service could not be reached'];
  }
  // Even an exposed message goes out scrubbed (it may quote a URL with credentials or a
  // token), and read safely: a message that is not a string must not fail the answer.
  const detail = options.exposeMessages === true && error instanceof Error ? errorText(error) : message;
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  return {
    status,
    retryAfterSeconds,
    headers,
    body: { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, error: code, message: detail },
  };
}
