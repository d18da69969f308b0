import type { ServiceClient } from '../client/ServiceClient.js';

/** A `ServiceClient` from any copy of `@switchyard/core` (so not `instanceof`). */
export function isServiceClient(value: unknown): value is ServiceClient {
  if (typeof value !== 'object' || value === null) return false;
  const client = value as Record<string, unknown>;
  return ['call', 'fetch', 'close'].every((m) => typeof client[m] === 'function');
}
