// @switchyard/core/semconv: the names Switchyard's telemetry uses (metrics, attributes, log
// events, span names) and how it derives `error.type`, for dashboards, alerts and tests.

// The one redactor every signal goes through, for users' own logs and attributes too.
export { REDACTED, redactText, redactUrl } from './common/redact.js';
export { errorTypeOf } from './errors/errorType.js';
export { canonicalHttpMethod, knownHttpMethods, redactUrlQuery } from './telemetry/httpAttributes.js';
export { HTTP_INSTRUMENTATION_MODES } from './telemetry/httpTelemetryOptions.js';
export type { InstrumentKind, MetricDefinition } from './telemetry/names.js';
export {
  ATTR as TELEMETRY_ATTRIBUTES,
  CALL_OUTCOMES,
  DEFAULT_KNOWN_HTTP_METHODS,
  DURATION_BUCKETS_SECONDS,
  HTTP_METHOD_OTHER,
  httpServerSpanName,
  INSTRUMENTATION_SCOPE,
  INSTRUMENTATION_VERSION,
  LOG_EVENT as TELEMETRY_LOG_EVENTS,
  METRIC as TELEMETRY_METRICS,
} from './telemetry/names.js';
