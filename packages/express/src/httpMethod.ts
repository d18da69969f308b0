// `http.request.method` as the stable HTTP conventions define it. Core keeps the same
// rules for the client side but does not export them, so the server side has its own copy.

const DEFAULT_KNOWN_METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY'];

/** `http.request.method` value for methods the instrumentation does not know. */
export const HTTP_METHOD_OTHER = '_OTHER';

/**
 * The known methods: `override` if given, else `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`
 * (comma-separated, a full override as the conventions require), else RFC 9110's, PATCH and QUERY.
 */
export function knownHttpMethods(override?: readonly string[]): ReadonlySet<string> {
  if (override !== undefined) return new Set(override);
  const env = process.env.OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS;
  if (env !== undefined && env.trim() !== '') {
    return new Set(
      env
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== ''),
    );
  }
  return new Set(DEFAULT_KNOWN_METHODS);
}

/** The method if known (Node hands servers upper-case methods), else `_OTHER`. */
export function canonicalHttpMethod(method: string, known: ReadonlySet<string>): string {
  return known.has(method) ? method : HTTP_METHOD_OTHER;
}
