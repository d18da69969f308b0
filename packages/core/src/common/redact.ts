// Scrubs secrets out of free text (error messages) before it goes into a log record.

const MAX_LENGTH = 300;

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;
const SECRET_QUERY =
  /([?&;](?:token|access_token|refresh_token|id_token|api[_-]?key|key|secret|client_secret|password|passwd|pwd|auth|sig|signature|x-amz-[a-z-]+|x-goog-signature|awsaccesskeyid)=)[^&\s#"']*/gi;
const SECRET_HEADER =
  /\b(authorization|proxy-authorization|x-consul-token|x-api-key|api-key|cookie|set-cookie|token)(["']?\s*[:=]\s*["']?)(?:bearer\s+|basic\s+)?[^\s"',;}]+/gi;
const BEARER = /\b(bearer|basic)\s+[a-z0-9._~+/=-]+/gi;

/** The text with URL credentials, token-like query values and header values replaced by `REDACTED`, capped in length. */
export function redactSecrets(text: string): string {
  const scrubbed = text
    .replace(URL_USERINFO, '$1REDACTED@')
    .replace(SECRET_QUERY, '$1REDACTED')
    .replace(SECRET_HEADER, '$1$2REDACTED')
    .replace(BEARER, '$1 REDACTED');
  return scrubbed.length > MAX_LENGTH ? `${scrubbed.slice(0, MAX_LENGTH)}…` : scrubbed;
}
