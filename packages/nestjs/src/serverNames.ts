// Names of the server-side telemetry this package records: the stable HTTP semantic
// conventions (copied as literals, as core does) plus the instrumentation scope. Candidates
// for core's telemetry/names.ts, so the Express adapter and this one share them.

/** Instrumentation scope (tracer and meter name) of the server spans and metrics. */
export const SERVER_INSTRUMENTATION_SCOPE = '@switchyard/nestjs';

/** Version of the instrumentation scope; a test keeps it equal to package.json. */
export const SERVER_INSTRUMENTATION_VERSION = '0.1.0';

/** Attribute keys of server spans and `http.server.request.duration` (stable HTTP semconv). */
export const SERVER_ATTR = {
  httpRequestMethod: 'http.request.method',
  httpRequestMethodOriginal: 'http.request.method_original',
  httpResponseStatusCode: 'http.response.status_code',
  httpRoute: 'http.route',
  urlPath: 'url.path',
  urlQuery: 'url.query',
  urlScheme: 'url.scheme',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  clientAddress: 'client.address',
  clientPort: 'client.port',
  networkPeerAddress: 'network.peer.address',
  networkPeerPort: 'network.peer.port',
  networkProtocolVersion: 'network.protocol.version',
  userAgentOriginal: 'user_agent.original',
  errorType: 'error.type',
} as const;

/** `http.server.request.duration`: a histogram in seconds with the conventions' advised buckets. */
export const HTTP_SERVER_REQUEST_DURATION = {
  name: 'http.server.request.duration',
  instrument: 'histogram',
  unit: 's',
  description: 'Duration of HTTP server requests.',
} as const;

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
