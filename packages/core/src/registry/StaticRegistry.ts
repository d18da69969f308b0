import { readFile } from 'node:fs/promises';
import type { Clock } from '../common/Clock.js';
import type { Disposable } from '../common/Disposable.js';
import { fn, knownKeys, nonEmptyString, oneOf, plainObject } from '../common/validate.js';
import { ConfigError, isConfigError } from '../errors/ConfigError.js';
import { RegistryError } from '../errors/RegistryError.js';
import { errorText } from '../errors/safeRead.js';
import {
  createInstance,
  HEALTH_VALUES,
  type Health,
  INSTANCE_INPUT_KEYS,
  type Instance,
  type InstanceInput,
} from './Instance.js';
import { filterOption } from './matchesFilter.js';
import { registrationOptions } from './registrationOptions.js';
import type {
  InstanceFilter,
  Registration,
  ServiceRegistry,
  ServiceSnapshot,
  SnapshotListener,
} from './ServiceRegistry.js';
import { SnapshotHub } from './SnapshotHub.js';

/** Instances per service name, e.g. `{ services: { cart: [{ host: '10.0.0.5', port: 8080 }] } }`. */
export interface StaticRegistryConfig {
  readonly services: Readonly<Record<string, readonly InstanceInput[]>>;
}

export interface StaticRegistryOptions {
  /** Wall clock for snapshots' `updatedAt`, in ms since the epoch. Default `Date.now`. */
  readonly clock?: Clock;
  /** Receives errors thrown by watch listeners. Default: a process warning. */
  readonly onListenerError?: (error: unknown) => void;
}

const CONFIG_KEYS = ['services'];
const OPTION_KEYS: readonly (keyof StaticRegistryOptions)[] = ['clock', 'onListenerError'];

/**
 * A registry whose instances come from configuration (an object or a JSON file) and
 * change only when this process says so (`set`, `setHealth`, `register`, `deregister`).
 *
 * Snapshots are never stale. Instance ids are unique across the whole registry (as
 * Consul agent service ids are), so `setHealth(id)` and `deregister(id)` are unambiguous.
 * Watch semantics are those of {@link SnapshotHub}: first snapshot on a microtask, then
 * every change visible through the watcher's filter, synchronously from the call that
 * made it. After `close()` every method except `close()` throws (or rejects with) a
 * `RegistryError`.
 */
export class StaticRegistry implements ServiceRegistry {
  readonly name = 'static';
  private readonly hub: SnapshotHub;
  /** Instance id → owning service. */
  private readonly owners = new Map<string, string>();

  constructor(config: StaticRegistryConfig = { services: {} }, options: StaticRegistryOptions = {}) {
    knownKeys('options.', plainObject('options', options), OPTION_KEYS);
    if (options.clock !== undefined) fn('options.clock.now', plainObject('options.clock', options.clock).now);
    if (options.onListenerError !== undefined) fn('options.onListenerError', options.onListenerError);
    // Validate everything before publishing anything: a bad config leaves no half-built registry.
    const services = parseConfig(config);
    this.hub = new SnapshotHub({
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.onListenerError === undefined ? {} : { onListenerError: options.onListenerError }),
      registry: this,
    });
    for (const [service, instances] of services) this.replace(service, instances);
  }

  /**
   * Reads a JSON file shaped like {@link StaticRegistryConfig}. Relative paths resolve
   * against the working directory. An unreadable or unparsable file, or bad contents,
   * reject with a `ConfigError` whose message starts with the path.
   */
  static async fromFile(path: string | URL, options?: StaticRegistryOptions): Promise<StaticRegistry> {
    const where = path instanceof URL ? path.href : path;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new ConfigError('file', `a readable JSON file (${messageOf(error)})`, where, { cause: error });
    }
    let data: unknown;
    try {
      data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (error) {
      throw new ConfigError('file', `valid JSON (${messageOf(error)})`, where, { cause: error });
    }
    try {
      return new StaticRegistry(data as StaticRegistryConfig, options);
    } catch (error) {
      // Keep `option` as the path inside the file; say which file in the message.
      if (isConfigError(error)) error.message = `${where}: ${error.message}`;
      throw error;
    }
  }

  async resolve(service: string, filter?: InstanceFilter): Promise<ServiceSnapshot> {
    this.assertOpen();
    nonEmptyString('service', service);
    return this.hub.snapshot(service, filter === undefined ? undefined : filterOption('filter', filter));
  }

  /**
   * Delivers the current snapshot on a microtask after this returns, then a snapshot
   * each time the instances this watcher's filter lets through (or the stale flag)
   * change. Versions it sees increase but may skip values.
   */
  watch(service: string, listener: SnapshotListener, filter?: InstanceFilter): Disposable {
    this.assertOpen();
    nonEmptyString('service', service);
    fn('listener', listener);
    return this.hub.watch(service, listener, filter === undefined ? undefined : filterOption('filter', filter));
  }

  /** Adds the instance, or replaces the one with the same id in the same service. `check` is ignored. */
  async register(registration: Registration): Promise<string> {
    this.assertOpen();
    const { service, input } = registrationOptions(registration);
    const instance = createInstance(input, service, 'registration');
    this.assertIdFree(instance.id, service, 'registration.id');
    const current = this.hub.instances(service);
    const index = current.findIndex((i) => i.id === instance.id);
    this.replace(service, index === -1 ? [...current, instance] : current.with(index, instance));
    return instance.id;
  }

  /** Removes the instance with this id. An unknown id is a no-op, so shutdown hooks can deregister twice. */
  async deregister(id: string): Promise<void> {
    this.assertOpen();
    nonEmptyString('id', id);
    const service = this.owners.get(id);
    if (service === undefined) return;
    this.replace(
      service,
      this.hub.instances(service).filter((i) => i.id !== id),
    );
  }

  /**
   * Replaces every instance of `service` (an empty list keeps the service, with no
   * instances). Validated like the config, with options named `services.<name>[i]`.
   * Watchers are notified before this returns.
   */
  set(service: string, instances: readonly InstanceInput[]): void {
    this.assertOpen();
    const name = serviceName(service, 'service');
    const parsed = parseInstances(name, instances, `services.${name}`);
    const seen = new Map<string, string>();
    parsed.forEach((instance, i) => {
      checkUnique(seen, instance.id, `services.${name}[${i}]`);
      this.assertIdFree(instance.id, name, `services.${name}[${i}].id`);
    });
    this.replace(name, parsed);
  }

  /** Changes one instance's health (handy for demos and tests). Throws a `RegistryError` for an unknown id. */
  setHealth(id: string, health: Health): void {
    this.assertOpen();
    nonEmptyString('id', id);
    oneOf('health', health, HEALTH_VALUES);
    const service = this.owners.get(id);
    if (service === undefined) throw new RegistryError(this.name, `no instance with id ${JSON.stringify(id)}`);
    this.replace(
      service,
      this.hub.instances(service).map((i) => (i.id === id ? Object.freeze({ ...i, health }) : i)),
    );
  }

  /** Stops all watchers; afterwards other methods throw. Idempotent. */
  async close(): Promise<void> {
    this.hub.close();
  }

  private replace(service: string, instances: readonly Instance[]): void {
    for (const old of this.hub.instances(service)) this.owners.delete(old.id);
    for (const instance of instances) this.owners.set(instance.id, service);
    this.hub.publish(service, instances);
  }

  private assertIdFree(id: string, service: string, option: string): void {
    const owner = this.owners.get(id);
    if (owner !== undefined && owner !== service) {
      throw new ConfigError(option, `an instance id not used by another service (service "${owner}" has it)`, id);
    }
  }

  private assertOpen(): void {
    if (this.hub.closed) throw new RegistryError(this.name, 'the registry is closed');
  }
}

function parseConfig(config: unknown): Map<string, Instance[]> {
  const root = plainObject('config', config);
  knownKeys('config.', root, CONFIG_KEYS);
  const services = plainObject('services', root.services);
  const result = new Map<string, Instance[]>();
  // Ids are unique across the registry; remember where each was first seen.
  const seen = new Map<string, string>();
  for (const [key, list] of Object.entries(services)) {
    const name = serviceName(key, `services[${JSON.stringify(key)}]`);
    const instances = parseInstances(name, list, `services.${name}`);
    instances.forEach((instance, i) => {
      checkUnique(seen, instance.id, `services.${name}[${i}]`);
    });
    result.set(name, instances);
  }
  return result;
}

function parseInstances(service: string, list: unknown, option: string): Instance[] {
  if (!Array.isArray(list)) throw new ConfigError(option, 'an array of instances', list);
  // A plain loop, not map(): map skips the holes of a sparse list, which must be refused too.
  const instances: Instance[] = [];
  for (let i = 0; i < list.length; i++) {
    const at = `${option}[${i}]`;
    const input = plainObject(at, list[i]);
    knownKeys(`${at}.`, input, Object.keys(INSTANCE_INPUT_KEYS));
    instances.push(createInstance(input as unknown as InstanceInput, service, at));
  }
  return instances;
}

function serviceName(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new ConfigError(option, 'a non-empty service name', value);
  }
  return value;
}

function checkUnique(seen: Map<string, string>, id: string, at: string): void {
  const first = seen.get(id);
  if (first !== undefined) {
    throw new ConfigError(`${at}.id`, `an instance id not already used (${first} has it)`, id);
  }
  seen.set(id, at);
}

function messageOf(error: unknown): string {
  return errorText(error);
}
