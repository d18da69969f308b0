// Names this package adds to core's telemetry/names.ts (attribute keys, the metric and
// its buckets come from there, shared with the Express adapter).

/** Instrumentation scope (tracer, meter and logger name) of the NestJS adapter. */
export const SERVER_INSTRUMENTATION_SCOPE = '@switchyard/nestjs';

/** Its version; a test keeps it equal to package.json. */
export const SERVER_INSTRUMENTATION_VERSION = '0.1.0';

/** `http.request.method` for methods the instrumentation does not know (semconv). */
export const HTTP_METHOD_OTHER = '_OTHER';

/** Methods known by default: RFC 9110's, PATCH and QUERY (as core's list). */
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

/** Span name of a server request: `{method} {route}`, `HTTP` standing in for an unknown method (semconv). */
export function serverSpanName(method: string, route: string | undefined): string {
  const name = method === HTTP_METHOD_OTHER ? 'HTTP' : method;
  return route === undefined ? name : `${name} ${route}`;
}
