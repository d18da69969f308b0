import type { Attributes } from '@opentelemetry/api';
import { redactQuery, redactUrl } from '../common/redact.js';
import { ATTR, DEFAULT_KNOWN_HTTP_METHODS, HTTP_METHOD_OTHER } from './names.js';

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
 * (fetch sends `patch` as typed, but it means PATCH), else `_OTHER`. When the result differs
 * from `method`, report `method` as `http.request.method_original`.
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

/**
 * `url.full` without secrets: credentials become `REDACTED:REDACTED@` and the values of
 * sensitive query parameters (the conventions' signature keys, tokens, keys, passwords)
 * become `REDACTED`, as the conventions require. See `common/redact.ts`.
 */
export function fullUrlOf(url: URL): string {
  return redactUrl(url);
}

/**
 * A query string (without `?`) with the values of sensitive keys (`sig`, `Signature`,
 * `X-Amz-Signature`, `token`, `api_key`, `password`, ...) replaced by `REDACTED`: what
 * `url.query` and the query of `url.full` carry. Returns `query` itself when nothing needed redacting.
 */
export function redactUrlQuery(query: string): string {
  return redactQuery(query);
}

/**
 * `server.address` and `server.port` of a server request from its `Host` header (`:authority`
 * on HTTP/2), IPv6 brackets removed; the port defaults by scheme when absent or invalid.
 * Parsed by hand rather than with `URL`: it runs for every request, sampled or not.
 */
export function setServerAddressFromHost(attributes: Attributes, host: string, scheme: string): void {
  let address = host;
  let port: number | undefined;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end !== -1) {
      address = host.slice(1, end);
      port = portOf(host.slice(end + 1));
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1) {
      address = host.slice(0, colon);
      port = portOf(host.slice(colon));
    }
  }
  attributes[ATTR.serverAddress] = address;
  attributes[ATTR.serverPort] = port ?? (scheme === 'https' ? 443 : 80);
}

function portOf(suffix: string): number | undefined {
  if (!suffix.startsWith(':')) return undefined;
  const port = Number(suffix.slice(1));
  return Number.isInteger(port) && port > 0 && port <= 65535 ? port : undefined;
}

/** `network.protocol.version` from Node's `httpVersion`: `1.1`, `2` (Node reports `2.0`). */
export function protocolVersionOf(httpVersion: string): string {
  return httpVersion === '2.0' ? '2' : httpVersion;
}
