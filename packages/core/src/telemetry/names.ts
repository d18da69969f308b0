// Every name Switchyard puts on the wire, in one place. HTTP names are the stable
// OpenTelemetry semantic conventions (copied as literals so core depends only on
// @opentelemetry/api); everything the conventions lack lives under `switchyard.`.
// Naming rules followed: lowercase, dot-separated namespaces, snake_case parts, no
// `_total` suffix on counters, units in UCUM with `{annotation}` for counts.

/** Instrumentation scope (tracer, meter and logger name). */
export const INSTRUMENTATION_SCOPE = '@switchyard/core';

/** Version of the instrumentation scope; a test keeps it equal to package.json. */
export const INSTRUMENTATION_VERSION = '0.1.0';

/** Attribute keys. */
export const ATTR = {
  // Stable HTTP / network / URL semantic conventions.
  httpRequestMethod: 'http.request.method',
  httpRequestMethodOriginal: 'http.request.method_original',
  httpRequestResendCount: 'http.request.resend_count',
  httpResponseStatusCode: 'http.response.status_code',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  urlScheme: 'url.scheme',
  urlFull: 'url.full',
  networkProtocolVersion: 'network.protocol.version',
  errorType: 'error.type',
  exceptionType: 'exception.type',
  exceptionMessage: 'exception.message',
  // Switchyard.
  service: 'switchyard.service',
  instanceId: 'switchyard.instance.id',
  instanceHealth: 'switchyard.instance.health',
  outcome: 'switchyard.outcome',
  resendCount: 'switchyard.resend_count',
  attemptAborted: 'switchyard.attempt.aborted',
  retryReason: 'switchyard.retry.reason',
  breakerState: 'switchyard.circuit_breaker.state',
  breakerPreviousState: 'switchyard.circuit_breaker.previous_state',
  breakerReason: 'switchyard.circuit_breaker.reason',
  balancer: 'switchyard.balancer',
  ejectionReason: 'switchyard.instance.ejection_reason',
  registry: 'switchyard.registry',
  suppressedLogs: 'switchyard.log.suppressed',
  // HTTP server (stable semantic conventions), for the server adapters.
  httpRoute: 'http.route',
  urlPath: 'url.path',
  urlQuery: 'url.query',
  clientAddress: 'client.address',
  userAgentOriginal: 'user_agent.original',
  // Server adapters: the client went away before the response was finished.
  requestAborted: 'switchyard.request.aborted',
  // Server lifecycle: which step a registry failure happened in (register, deregister, close).
  lifecyclePhase: 'switchyard.lifecycle.phase',
} as const;

/** `error.type` value when nothing more specific is known (semconv). */
export const ERROR_TYPE_OTHER = '_OTHER';
/** `error.type` value for a deadline that passed. */
export const ERROR_TYPE_TIMEOUT = 'timeout';
/** `http.request.method` value for methods the instrumentation does not know (semconv). */
export const HTTP_METHOD_OTHER = '_OTHER';

/**
 * Methods known by default: RFC 9110, PATCH (RFC 5789) and QUERY, as the stable HTTP
 * conventions define them. Override with `knownHttpMethods` or the
 * `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS` environment variable.
 */
export const DEFAULT_KNOWN_HTTP_METHODS: readonly string[] = [
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
  'QUERY',
];

/** Bucket boundaries (seconds) the HTTP conventions advise for request durations. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

import type { CallOutcomeKind } from '../events/messages.js';

export type { CallOutcomeKind } from '../events/messages.js';

export const CALL_OUTCOMES: readonly CallOutcomeKind[] = ['success', 'failure', 'rejected', 'timeout', 'aborted'];

/** Breaker states as attribute values (snake_case, as semconv enum values are). */
export const BREAKER_STATE_VALUES = {
  closed: 'closed',
  open: 'open',
  'half-open': 'half_open',
  isolated: 'isolated',
} as const;

export type InstrumentKind =
  | 'histogram'
  | 'counter'
  | 'observable_counter'
  | 'observable_up_down_counter'
  | 'observable_gauge';

/** One metric: its name, instrument, unit and what it means. */
export interface MetricDefinition {
  readonly name: string;
  readonly instrument: InstrumentKind;
  readonly unit: string;
  readonly description: string;
}

function metric(name: string, instrument: InstrumentKind, unit: string, description: string): MetricDefinition {
  return Object.freeze({ name, instrument, unit, description });
}

/** Every metric Switchyard records. */
export const METRIC = {
  httpClientRequestDuration: metric(
    'http.client.request.duration',
    'histogram',
    's',
    'Duration of HTTP client requests (one per attempt).',
  ),
  callDuration: metric(
    'switchyard.client.call.duration',
    'histogram',
    's',
    'Duration of logical calls, from the caller asking to the final result, all attempts included.',
  ),
  retries: metric('switchyard.client.retries', 'counter', '{retry}', 'Attempts made after the first one of a call.'),
  retryBudgetExhausted: metric(
    'switchyard.retry_budget.exhausted',
    'counter',
    '{retry}',
    'Retries that were wanted but denied by the retry budget.',
  ),
  breakerState: metric(
    'switchyard.circuit_breaker.state',
    'observable_up_down_counter',
    '{breaker}',
    'Circuit breakers of a service in each state: one series per state, 0 included.',
  ),
  breakerTransitions: metric(
    'switchyard.circuit_breaker.transitions',
    'counter',
    '{transition}',
    'Circuit breaker state changes.',
  ),
  balancerPicks: metric(
    'switchyard.balancer.picks',
    'observable_counter',
    '{pick}',
    'Instances chosen by the load balancer.',
  ),
  instanceEjections: metric(
    'switchyard.instance.ejections',
    'counter',
    '{ejection}',
    'Instances taken out of the balancing set.',
  ),
  instancesEjected: metric(
    'switchyard.instance.ejected',
    'observable_up_down_counter',
    '{instance}',
    'Instances currently out of the balancing set.',
  ),
  bulkheadInFlight: metric(
    'switchyard.bulkhead.in_flight',
    'observable_up_down_counter',
    '{call}',
    'Calls currently admitted by the bulkhead.',
  ),
  bulkheadQueued: metric(
    'switchyard.bulkhead.queued',
    'observable_up_down_counter',
    '{call}',
    'Calls waiting for a bulkhead slot.',
  ),
  bulkheadRejections: metric(
    'switchyard.bulkhead.rejections',
    'counter',
    '{call}',
    'Calls refused because the bulkhead and its queue were full.',
  ),
  registryInstances: metric(
    'switchyard.registry.instances',
    'observable_up_down_counter',
    '{instance}',
    'Instances the registry currently knows, by health.',
  ),
  registryStale: metric(
    'switchyard.registry.stale',
    'observable_up_down_counter',
    '1',
    '1 while the registry serves the last known instances because it cannot confirm them, else 0.',
  ),
  registryStaleness: metric(
    'switchyard.registry.staleness',
    'observable_gauge',
    's',
    'Time since the registry last confirmed the instances of a service.',
  ),
  registryWatchErrors: metric(
    'switchyard.registry.watch.errors',
    'counter',
    '{error}',
    'Failed registry watch or poll round-trips.',
  ),
  registryUpdateDuration: metric(
    'switchyard.registry.update.duration',
    'histogram',
    's',
    'Time from a registry answer that brought a change arriving until subscribers were notified.',
  ),
  httpServerRequestDuration: metric(
    'http.server.request.duration',
    'histogram',
    's',
    'Duration of HTTP server requests.',
  ),
} as const;

/** Event names of the log records Switchyard emits (the LogRecord `eventName` field). */
export const LOG_EVENT = {
  breakerStateChange: 'switchyard.circuit_breaker.state_change',
  instanceEjected: 'switchyard.instance.ejected',
  instanceRestored: 'switchyard.instance.restored',
  retryBudgetExhausted: 'switchyard.retry_budget.exhausted',
  registryWatchError: 'switchyard.registry.watch_error',
  // Server lifecycle (register on listen, deregister and drain on shutdown).
  instanceRegistered: 'switchyard.instance.registered',
  instanceDeregistered: 'switchyard.instance.deregistered',
  lifecycleError: 'switchyard.lifecycle.error',
} as const;

/** Span name of a non-HTTP attempt: `call {service}`. HTTP attempts are named `{method}` (or `HTTP`). */
export function attemptSpanName(service: string): string {
  return `call ${service}`;
}

/** Span name of an HTTP attempt when no low-cardinality route is known (semconv). */
export function httpSpanName(method: string): string {
  return method === HTTP_METHOD_OTHER ? 'HTTP' : method;
}

/**
 * Span name of an HTTP server request (semconv): `{method} {route}`, or `{method}` alone when
 * no route matched; `HTTP` stands in for the `_OTHER` method.
 */
export function httpServerSpanName(method: string, route: string | undefined): string {
  const name = httpSpanName(method);
  return route === undefined ? name : `${name} ${route}`;
}
