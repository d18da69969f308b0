/** Query keys whose values the HTTP conventions ask to redact (case-sensitive). */
const SENSITIVE_QUERY_KEYS = new Set([
  'AWSAccessKeyId',
  'Signature',
  'sig',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
]);

/** `url.query`: the query without `?`, with the values of signature keys replaced by `REDACTED`. */
export function redactedQuery(query: string): string {
  if (!query.includes('=')) return query;
  let changed = false;
  const parts = query.split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.indexOf('=');
    if (eq !== -1 && SENSITIVE_QUERY_KEYS.has(part.slice(0, eq))) {
      parts[i] = `${part.slice(0, eq)}=REDACTED`;
      changed = true;
    }
  }
  return changed ? parts.join('&') : query;
}
