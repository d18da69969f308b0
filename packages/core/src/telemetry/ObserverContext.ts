import type { Attributes } from '@opentelemetry/api';
import type { ServiceClient } from '../client/ServiceClient.js';
import type { ServiceRegistry } from '../registry/ServiceRegistry.js';
import type { Instruments } from './createInstruments.js';
import type { LiveSources } from './LiveSources.js';
import { ATTR } from './names.js';
import { setBounded } from './setBounded.js';
import type { TelemetryLogger } from './TelemetryLogger.js';

/** What every observer shares: where it records, and whose events it records. */
export interface ObserverContext {
  /** Created on first use, so an SDK registered after construction is still picked up. */
  readonly instruments: Instruments;
  readonly log: TelemetryLogger;
  readonly live: LiveSources;
  readonly attributes: AttributeCache;
  /** Whether events of `client` are recorded by this telemetry. */
  observes(client: ServiceClient): boolean;
  observesRegistry(registry: ServiceRegistry): boolean;
}

/** Frozen attribute sets, built once per key and bounded in size. */
export class AttributeCache {
  private readonly byService = new Map<string, Attributes>();
  private readonly byKind = new Map<string, Map<string, Map<string, Attributes>>>();

  /** `{ switchyard.service }`. */
  service(service: string): Attributes {
    let attributes = this.byService.get(service);
    if (attributes === undefined) {
      attributes = Object.freeze({ [ATTR.service]: service });
      setBounded(this.byService, service, attributes);
    }
    return attributes;
  }

  /** `{ switchyard.service, [key]: value }`, cached per (kind, service, value). */
  nested(kind: string, service: string, key: string, value: string): Attributes {
    return (
      this.lookup(kind, service, value) ?? this.store(kind, service, value, { [ATTR.service]: service, [key]: value })
    );
  }

  /** The set cached for (kind, service, key); nested maps, so the hot path joins no strings. */
  lookup(kind: string, service: string, key: string): Attributes | undefined {
    return this.byKind.get(kind)?.get(service)?.get(key);
  }

  /** Freezes and caches `attributes` for (kind, service, key). */
  store(kind: string, service: string, key: string, attributes: Attributes): Attributes {
    let services = this.byKind.get(kind);
    if (services === undefined) {
      services = new Map();
      this.byKind.set(kind, services);
    }
    let keys = services.get(service);
    if (keys === undefined) {
      keys = new Map();
      setBounded(services, service, keys);
    }
    const frozen = Object.freeze(attributes);
    setBounded(keys, key, frozen);
    return frozen;
  }
}
