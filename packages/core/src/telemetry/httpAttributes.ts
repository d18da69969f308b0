import { DEFAULT_KNOWN_HTTP_METHODS, HTTP_METHOD_OTHER } from './names.js';

// Helpers that turn a request into stable HTTP semantic-convention attribute values.

/**
 * The known-method list: `override` if given, else `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`
 * (comma-separated, a full override as the conventions require), else the defaults.
 */
export function knownHttpMethods(override?: readonly string[]): ReadonlySet<string> {
  if (override !== undefined) return new Set(override);
  const env = typeof process === 'undefined' ? undefined : process.env.OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS;
  if (env !== undefined && env.trim() !== '') {
    return new Set(
      env
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== ''),
    );
  }
  return new Set(DEFAULT_KNOWN_HTTP_METHODS);
}

/**
 * `http.request.method`: the method if known, its upper-case form if that is known
 * (fetch sends `patch` as typed, but it means PATCH), else `_OTHER`.
 */
export function canonicalHttpMethod(method: string, known: ReadonlySet<string>): string {
  if (known.has(method)) return method;
  const upper = method.toUpperCase();
  return known.has(upper) ? upper : HTTP_METHOD_OTHER;
}

/** `server.address`: the host without IPv6 brackets. */
export function serverAddressOf(url: URL): string {
  const host = url.hostname;
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** `server.port`: the explicit port, or the scheme's default (URL drops default ports). */
export function serverPortOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  if (url.protocol === 'https:' || url.protocol === 'wss:') return 443;
  return 80;
}

/** `url.scheme`: `http`, `https`, ... */
export function urlSchemeOf(url: URL): string {
  return url.protocol.endsWith(':') ? url.protocol.slice(0, -1) : url.protocol;
}

/** Query keys whose values the conventions say to redact in `url.full` (case-sensitive). */
const SENSITIVE_QUERY_KEYS = new Set([
  'AWSAccessKeyId',
  'Signature',
  'sig',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
]);

/**
 * `url.full` without secrets: credentials become `REDACTED:REDACTED@` and the values of
 * signature query parameters become `REDACTED`, as the conventions require.
 */
export function fullUrlOf(url: URL): string {
  const hasCredentials = url.username !== '' || url.password !== '';
  const search = url.search;
  const redactedSearch = search.length > 1 ? redactQuery(search) : search;
  if (!hasCredentials && redactedSearch === search) return url.href;
  const userinfo = hasCredentials ? 'REDACTED:REDACTED@' : '';
  return `${url.protocol}//${userinfo}${url.host}${url.pathname}${redactedSearch}${url.hash}`;
}

function redactQuery(search: string): string {
  let changed = false;
  const parts = search.slice(1).split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    if (eq !== -1 && SENSITIVE_QUERY_KEYS.has(key)) {
      parts[i] = `${key}=REDACTED`;
      changed = true;
    }
  }
  return changed ? `?${parts.join('&')}` : search;
}
