// Errors that escaped `req.switchyard.fetch/call`: the error handler maps them to 502/504
// even when they are not Switchyard errors (fetch's `TypeError: fetch failed` on a refused
// connection), without wrapping them, so user code still sees the original error.
const failures = new WeakSet<object>();

export function markUpstreamFailure(error: unknown): void {
  if (typeof error === 'object' && error !== null) failures.add(error);
}

export function isUpstreamFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && failures.has(error);
}
