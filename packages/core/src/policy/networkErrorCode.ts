/** How deep to follow `cause` links; real chains are 1-3 long, a cycle must not hang us. */
const MAX_CAUSE_DEPTH = 8;

/**
 * The first system or undici error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...) found on
 * the error or along its `cause` chain. undici's `fetch` rejects with
 * `TypeError('fetch failed')` whose `cause` carries the code.
 */
export function networkErrorCode(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH; depth++) {
    if (typeof current !== 'object' || current === null) return undefined;
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && (code.startsWith('E') || code.startsWith('UND_ERR_'))) return code;
    current = cause;
  }
  return undefined;
}
