import type { Health } from '../Instance.js';

/**
 * The health of a `/v1/health/service` entry from ALL its checks, node checks (Serf,
 * node maintenance) included, the way Consul's own `?passing` filter and DNS judge it:
 * critical if any check is critical, else warning if any is warning, else passing. No
 * checks at all is passing. An unknown status counts as critical (fail safe).
 */
export function aggregateHealth(checks: unknown): Health {
  if (!Array.isArray(checks)) return 'passing';
  let health: Health = 'passing';
  for (const check of checks) {
    const status = typeof check === 'object' && check !== null ? (check as { Status?: unknown }).Status : undefined;
    if (status === 'passing') continue;
    if (status === 'warning') health = 'warning';
    else return 'critical';
  }
  return health;
}
