import type { Attributes } from '@opentelemetry/api';
import type { Instance } from '../registry/Instance.js';
import type { HttpMethodAttributes } from './AttemptHandle.js';
import { serverAddressOf, serverPortOf, urlSchemeOf } from './httpAttributes.js';
import { ATTR } from './names.js';
import { setBounded } from './setBounded.js';

interface HttpTarget {
  readonly protocol: string;
  readonly host: string;
  /** `protocol//host/`: a string URL starting with it has this target's origin. */
  readonly prefix: string;
  readonly protocolVersion: string | undefined;
  readonly address: string;
  readonly port: number;
  readonly scheme: string;
  readonly methods: Map<string, HttpMethodAttributes>;
}

/**
 * HTTP attribute sets per (server, method), cached per instance so an attempt to a known
 * instance allocates no attribute objects. Calls without an instance are cached by origin.
 */
export class HttpTargets {
  private readonly byInstance = new WeakMap<Instance, HttpTarget>();
  private readonly byOrigin = new Map<string, HttpTarget>();

  /** `method` must already be canonical (`GET`, `_OTHER`, ...). */
  attributes(url: URL | string, instance: Instance | undefined, protocolVersion: string | undefined, method: string) {
    const target = this.target(url, instance, protocolVersion);
    let attributes = target.methods.get(method);
    if (attributes === undefined) {
      const base: Attributes = {
        [ATTR.httpRequestMethod]: method,
        [ATTR.serverAddress]: target.address,
        [ATTR.serverPort]: target.port,
        [ATTR.urlScheme]: target.scheme,
      };
      if (target.protocolVersion !== undefined) base[ATTR.networkProtocolVersion] = target.protocolVersion;
      attributes = { base: Object.freeze(base), results: new Map() };
      target.methods.set(method, attributes);
    }
    return attributes;
  }

  private target(url: URL | string, instance: Instance | undefined, protocolVersion: string | undefined): HttpTarget {
    if (instance !== undefined) {
      const cached = this.byInstance.get(instance);
      if (cached !== undefined && cached.protocolVersion === protocolVersion && sameOrigin(cached, url)) return cached;
      const target = newTarget(parsed(url), protocolVersion);
      this.byInstance.set(instance, target);
      return target;
    }
    const u = parsed(url);
    const key = `${u.protocol}//${u.host} ${protocolVersion ?? ''}`;
    let target = this.byOrigin.get(key);
    if (target === undefined) {
      target = newTarget(u, protocolVersion);
      setBounded(this.byOrigin, key, target);
    }
    return target;
  }
}

function parsed(url: URL | string): URL {
  return typeof url === 'string' ? new URL(url) : url;
}

/** Whether `url` has the target's origin; a string is compared without parsing it. */
function sameOrigin(target: HttpTarget, url: URL | string): boolean {
  if (typeof url === 'string') return url.startsWith(target.prefix);
  return target.protocol === url.protocol && target.host === url.host;
}

function newTarget(url: URL, protocolVersion: string | undefined): HttpTarget {
  return {
    protocol: url.protocol,
    host: url.host,
    prefix: `${url.protocol}//${url.host}/`,
    protocolVersion,
    address: serverAddressOf(url),
    port: serverPortOf(url),
    scheme: urlSchemeOf(url),
    methods: new Map(),
  };
}
