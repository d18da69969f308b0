import { createInstance, HEALTH_VALUES, type Instance } from '../Instance.js';
import { matchesFilter } from '../matchesFilter.js';
import { aggregateHealth } from './aggregateHealth.js';
import type { ServerFilter } from './filterExpression.js';

/** The parts of a `/v1/health/service/:name` entry Switchyard reads. */
interface HealthEntry {
  readonly Node?: { readonly Node?: unknown; readonly Address?: unknown };
  readonly Service?: {
    readonly ID?: unknown;
    readonly Address?: unknown;
    readonly Port?: unknown;
    readonly Tags?: unknown;
    readonly Meta?: unknown;
    readonly Weights?: { readonly Passing?: unknown; readonly Warning?: unknown };
  };
  readonly Checks?: unknown;
}

/**
 * Instances of `service` from a health answer, sorted by id so that an unchanged answer
 * compares equal. Per entry: health aggregated over every check (see `aggregateHealth`);
 * weight `Weights.Passing` when passing, `Weights.Warning` when warning (Consul's default
 * of 1 when absent), 0 when critical; host `Service.Address`, else `Node.Address`; zone
 * from `Service.Meta[zoneMetaKey]`. Entries without a usable address or port (Consul
 * allows port 0) are skipped. Service ids are unique per agent only: one seen twice in an
 * answer (two nodes) is qualified as `id@node`. `serverFilter`, when given, is checked
 * again here: Consul applied what a filter expression can say, this applies all of it.
 */
export function toInstances(
  service: string,
  entries: readonly unknown[],
  zoneMetaKey: string,
  serverFilter?: ServerFilter,
): Instance[] {
  const instances: Instance[] = [];
  const seen = new Set<string>();
  const recheck = serverFilter === undefined ? undefined : { ...serverFilter, health: HEALTH_VALUES };
  for (const raw of entries) {
    const instance = toInstance(service, raw as HealthEntry, zoneMetaKey, seen);
    if (instance !== undefined && (recheck === undefined || matchesFilter(instance, recheck))) instances.push(instance);
  }
  return instances.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function toInstance(service: string, entry: HealthEntry, zoneMetaKey: string, seen: Set<string>): Instance | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const svc = entry.Service;
  if (typeof svc !== 'object' || svc === null || typeof svc.ID !== 'string' || svc.ID === '') return undefined;
  const host = nonEmpty(svc.Address) ?? nonEmpty(entry.Node?.Address);
  const port = svc.Port;
  if (host === undefined || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return undefined;
  }
  const health = aggregateHealth(entry.Checks);
  const meta = stringsOf(svc.Meta);
  const zone = meta[zoneMetaKey];
  let id = svc.ID;
  if (seen.has(id)) {
    const node = nonEmpty(entry.Node?.Node);
    id = node === undefined ? `${id}@${host}:${port}` : `${id}@${node}`;
  }
  seen.add(id);
  try {
    return createInstance(
      {
        id,
        host,
        port,
        weight: weightOf(health, svc.Weights),
        tags: Array.isArray(svc.Tags) ? svc.Tags.filter((t): t is string => typeof t === 'string') : [],
        meta,
        health,
        ...(zone === undefined || zone === '' ? {} : { zone }),
      },
      service,
    );
  } catch {
    return undefined;
  }
}

function weightOf(
  health: string,
  weights: { readonly Passing?: unknown; readonly Warning?: unknown } | undefined,
): number {
  if (health === 'critical') return 0;
  const value = health === 'passing' ? weights?.Passing : weights?.Warning;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 1;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function stringsOf(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return result;
  for (const [key, v] of Object.entries(value)) if (typeof v === 'string') result[key] = v;
  return result;
}
