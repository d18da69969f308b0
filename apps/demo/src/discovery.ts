import { type HealthCheck, type ServiceRegistry, StaticRegistry } from '@switchyard/core';
import { ConsulRegistry } from '@switchyard/core/consul';

/** Where the shop's services register and find each other, and how they register there. */
export interface Discovery {
  readonly registry: ServiceRegistry;
  /** Health check each instance registers with (Consul runs it; the static registry ignores it). */
  readonly check: HealthCheck | undefined;
  /**
   * Pause between deregistering and closing the listener, for callers whose watches
   * lag. Consul watches hear of a change within milliseconds; a static registry at once.
   */
  readonly deregisterDelayMs: number;
  /** For the dashboard's title, e.g. `static` or `consul http://127.0.0.1:8500`. */
  readonly label: string;
}

export type DiscoveryOptions = { readonly kind: 'static' } | { readonly kind: 'consul'; readonly url: URL };

/**
 * A StaticRegistry (in-process, nothing to install), or a ConsulRegistry on a local
 * agent: checked first, so an agent that is not running fails fast with a hint.
 */
export async function openDiscovery(options: DiscoveryOptions): Promise<Discovery> {
  if (options.kind === 'static') {
    return { registry: new StaticRegistry(), check: undefined, deregisterDelayMs: 0, label: 'static' };
  }
  const { url } = options;
  try {
    const res = await fetch(new URL('/v1/status/leader', url), { signal: AbortSignal.timeout(3_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    if ((await res.json()) === '') throw new Error('the agent has no leader yet');
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot reach a Consul agent at ${url.origin} (${why}); start one with tools/consul/run-dev.sh`);
  }
  const secure = url.protocol === 'https:';
  const registry = new ConsulRegistry({
    host: url.hostname,
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    secure,
  });
  return {
    registry,
    // The registry heartbeats TTL checks itself; a crashed demo's instances turn critical
    // (no traffic) after 10 s and are removed after a minute.
    check: { type: 'ttl', ttl: '10s', deregisterCriticalServiceAfter: '1m' },
    deregisterDelayMs: 100,
    label: `consul ${url.origin}`,
  };
}
