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
  private readonly nestedSets = new Map<string, Map<string, Attributes>>();

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
    const outer = `${kind}\n${service}`;
    let inner = this.nestedSets.get(outer);
    if (inner === undefined) {
      inner = new Map();
      setBounded(this.nestedSets, outer, inner);
    }
    let attributes = inner.get(value);
    if (attributes === undefined) {
      attributes = Object.freeze({ [ATTR.service]: service, [key]: value });
      setBounded(inner, value, attributes);
    }
    return attributes;
  }

  /** A cached set built by `build` for (kind, service, key). */
  custom(kind: string, service: string, key: string, build: () => Attributes): Attributes {
    const outer = `${kind}\n${service}`;
    let inner = this.nestedSets.get(outer);
    if (inner === undefined) {
      inner = new Map();
      setBounded(this.nestedSets, outer, inner);
    }
    let attributes = inner.get(key);
    if (attributes === undefined) {
      attributes = Object.freeze(build());
      setBounded(inner, key, attributes);
    }
    return attributes;
  }
}
