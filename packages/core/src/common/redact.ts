// The one redactor: every text Switchyard puts into a span, event, log record, warning or
// error message it builds passes through here. URLs follow the OpenTelemetry conventions
// for `url.full` (credentials → `REDACTED:REDACTED`, sensitive query values → `REDACTED`);
// free text (error messages, stacks) additionally loses header-style secrets.

/** What a secret is replaced by, as the OpenTelemetry conventions spell it. */
export const REDACTED = 'REDACTED';

/** Longest free text that goes into a log record (a stack or a whole body would be noise). */
const MAX_LOG_TEXT = 300;

/**
 * Query (and fragment) keys whose values are secrets, compared lower-cased with `-`, `_`
 * and `.` removed: the conventions' list (`AWSAccessKeyId`, `Signature`, `sig`,
 * `X-Goog-Signature`) plus the usual names of tokens, keys, passwords and signatures.
 */
const SENSITIVE_KEYS = new Set([
  'awsaccesskeyid',
  'signature',
  'sig',
  'xgoogsignature',
  'xgoogcredential',
  'xamzsignature',
  'xamzcredential',
  'xamzsecuritytoken',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authtoken',
  'sessiontoken',
  'key',
  'apikey',
  'secret',
  'clientsecret',
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'session',
  'sessionid',
  'sid',
  'jwt',
  'assertion',
  'otp',
  'code',
]);

/** Parts that make any key sensitive (`x_api_key`, `my-token`, `dbPassword`, `accessKeyId`). */
const SENSITIVE_PARTS = /token|secret|passw|apikey|accesskey|privatekey|signature|credential|jwt|sessionid/;

/** Whether the value of query key `key` is a secret (`token`, `api_key`, `X-Amz-Signature`, ...). */
export function isSensitiveKey(key: string): boolean {
  let name = key;
  if (name.includes('%')) {
    try {
      name = decodeURIComponent(name);
    } catch {
      // A malformed escape: judge the raw text.
    }
  }
  const normalized = name.toLowerCase().replace(/[-_.\s[\]]/g, '');
  return SENSITIVE_KEYS.has(normalized) || SENSITIVE_PARTS.test(normalized);
}

/**
 * A query string (without `?`) with the values of sensitive keys replaced by `REDACTED`,
 * keys and order kept: what `url.query` carries. Returns `query` itself when nothing changed.
 */
export function redactQuery(query: string): string {
  if (!query.includes('=')) return query;
  let changed = false;
  const parts = query.split(/([&;])/);
  for (let i = 0; i < parts.length; i += 2) {
    const part = parts[i] as string;
    const eq = part.indexOf('=');
    if (eq > 0 && isSensitiveKey(part.slice(0, eq)) && part.slice(eq + 1) !== REDACTED) {
      parts[i] = `${part.slice(0, eq + 1)}${REDACTED}`;
      changed = true;
    }
  }
  return changed ? parts.join('') : query;
}

/**
 * An absolute URL as `url.full` may carry it: `user:password@` becomes
 * `REDACTED:REDACTED@`, sensitive query (and fragment) values become `REDACTED`.
 * Text that is not an absolute URL is scrubbed as free text.
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return redactText(String(url));
  }
  const hasCredentials = parsed.username !== '' || parsed.password !== '';
  const search = redactPart(parsed.search);
  const hash = redactPart(parsed.hash);
  if (!hasCredentials && search === parsed.search && hash === parsed.hash) return parsed.href;
  if (parsed.host === '') return redactText(parsed.href);
  const userinfo = hasCredentials ? `${REDACTED}:${REDACTED}@` : '';
  return `${parsed.protocol}//${userinfo}${parsed.host}${parsed.pathname}${search}${hash}`;
}

/** `?a=b` or `#a=b` with sensitive values redacted. */
function redactPart(part: string): string {
  if (part.length <= 1) return part;
  const body = part.slice(1);
  const redacted = redactQuery(body);
  return redacted === body ? part : `${part[0]}${redacted}`;
}

// Credentials in any URL in free text: `scheme://user:password@` or `scheme://user@`, up
// to the last `@` before the host (as the URL parser reads it: a password may hold an `@`).
// Bounded repeats keep a long run without `@` linear, not quadratic.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{0,30}:\/\/)[^\s/?#"'<>]{1,256}@/gi;
// `user:password@host` without a scheme (a host option, a connection string's tail).
const BARE_USERINFO = /(^|[\s"'(<[=,])[^\s/?#@:"'<>()[\]=,]{1,128}:[^\s/?#"'<>]{1,256}@(?=[a-z0-9[])/gi;
// `key=value` after `?`, `&`, `;` or `#`: query parameters inside text, and the pairs of a
// `Cookie` header after its first (`a=b; sid=...`, hence the spaces after `;`).
const QUERY_PAIR = /([?&;#] {0,8})([^=?&;#\s"'<>]{1,128})=([^&;#\s"'<>]*)/g;
// Header, JSON or option style `name: value` / `name=value` for names that are secrets.
const NAMED_SECRET =
  /\b(authorization|proxy-authorization|x-consul-token|x-api-key|api[-_]?key|x-auth-token|cookie|set-cookie|token|access[-_]?token|refresh[-_]?token|client[-_]?secret|secret|password|passwd)(["']?\s*[:=]\s*["']?)(?:bearer\s+|basic\s+|token\s+)?[^\s"',;&})\]]+/gi;
// An `Authorization` scheme's credentials wherever they appear.
const AUTH_SCHEME = /\b(bearer|basic)\s+[a-z0-9._~+/=-]{4,}/gi;

/**
 * Free text (an error message, a stack, a log body) with URL credentials, sensitive query
 * values, secret header/option values and `Bearer`/`Basic` credentials replaced by
 * `REDACTED`. Not length-capped: for stacks and error messages.
 */
export function redactText(text: string): string {
  let scrubbed = text;
  // Each pass only where its anchor character occurs: most messages need none of them.
  if (scrubbed.includes('@')) {
    scrubbed = scrubbed
      .replace(URL_USERINFO, `$1${REDACTED}:${REDACTED}@`)
      .replace(BARE_USERINFO, `$1${REDACTED}:${REDACTED}@`);
  }
  if (scrubbed.includes('=')) {
    scrubbed = scrubbed.replace(QUERY_PAIR, (pair: string, sep: string, key: string, value: string) =>
      value !== REDACTED && isSensitiveKey(key) ? `${sep}${key}=${REDACTED}` : pair,
    );
  }
  if (scrubbed.includes(':') || scrubbed.includes('=')) {
    scrubbed = scrubbed.replace(NAMED_SECRET, (match: string, name: string, sep: string) =>
      match.endsWith(REDACTED) ? match : `${name}${sep}${REDACTED}`,
    );
  }
  return scrubbed.replace(AUTH_SCHEME, (match: string, scheme: string) =>
    match.endsWith(REDACTED) ? match : `${scheme} ${REDACTED}`,
  );
}

/** `redactText`, capped in length: for an error message quoted in a log record or a span status. */
export function redactSecrets(text: string): string {
  return capLogText(redactText(text));
}

/** Text already scrubbed (`errorText`), capped in length for a log record. */
export function capLogText(text: string): string {
  return text.length > MAX_LOG_TEXT ? `${text.slice(0, MAX_LOG_TEXT)}…` : text;
}

/** An exception as `span.recordException` takes it, with message and stack scrubbed. */
export function redactException<T extends { message: string; stack?: string }>(exception: T): T {
  const message = redactText(exception.message);
  const stack = exception.stack === undefined ? undefined : redactText(exception.stack);
  if (message === exception.message && stack === exception.stack) return exception;
  return { ...exception, message, ...(stack === undefined ? {} : { stack }) };
}
