import { ConfigError } from '../errors/ConfigError.js';
import { RegistryError } from '../errors/RegistryError.js';
import type { Registration, ServiceRegistry } from '../registry/ServiceRegistry.js';
import { type AddressSource, advertisedAddress } from './advertisedAddress.js';
import type { LifecycleEvents } from './LifecycleEvents.js';
import type { LifecyclePhase, ListenRegistration } from './ListenRegistration.js';

/**
 * `idle` → `registering` → `registered` | `failed`; `register()` again from `failed` or
 * `registered` re-registers; `deregister()` from any state ends in `deregistered`, for good.
 */
export type RegistrationState = 'idle' | 'registering' | 'registered' | 'failed' | 'deregistered';

/**
 * The registration state machine both adapters share: registers this server's instance
 * (its advertised address filled in) and deregisters it on shutdown, waiting for a
 * registration still in flight. Failures never throw: they go to `report` (the adapter's
 * `onError`) and to the `switchyard.lifecycle.error` log record, and `registered` rejects
 * with a rejection that is already handled, so leaving it unobserved is safe.
 */
export class InstanceRegistration {
  /** Resolves with the instance id of the first registration; rejects (pre-handled) when it failed. */
  readonly registered: Promise<string>;
  private current: RegistrationState = 'idle';
  private id: string | undefined;
  private pending: Promise<string | undefined> | undefined;
  private settle: (id: string) => void = () => {};
  private fail: (error: unknown) => void = () => {};

  constructor(
    private readonly registry: ServiceRegistry,
    private readonly registration: ListenRegistration,
    private readonly events: LifecycleEvents,
    private readonly report: (error: unknown, phase: LifecyclePhase) => void,
  ) {
    this.registered = new Promise<string>((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    this.registered.catch(() => {});
  }

  get state(): RegistrationState {
    return this.current;
  }

  /** The instance id while registered. */
  get instanceId(): string | undefined {
    return this.current === 'registered' ? this.id : undefined;
  }

  /**
   * Registers the instance at the address `server` advertises (its port, a configured one).
   * Returns the id, or undefined when it failed (reported) or the instance is deregistered.
   */
  register(server: AddressSource | undefined): Promise<string | undefined> {
    if (this.current === 'deregistered') return Promise.resolve(undefined);
    if (this.current === 'registering' && this.pending !== undefined) return this.pending;
    this.current = 'registering';
    const attempt = this.attempt(server);
    this.pending = attempt;
    return attempt;
  }

  /**
   * Deregisters (after a registration in flight); true when an instance was registered and
   * is now gone. Rejects with the registry's error (the caller reports it); the state is
   * `deregistered` either way, since nothing will retry it.
   */
  async deregister(): Promise<boolean> {
    if (this.current === 'deregistered') return false;
    if (this.current === 'idle') {
      this.current = 'deregistered';
      this.fail(new RegistryError(this.registry.name, 'the server shut down before it was registered'));
      return false;
    }
    const id = this.current === 'registering' ? await this.pending : this.id;
    const registered = this.current === 'registered';
    this.current = 'deregistered';
    if (!registered || id === undefined) return false;
    await this.registry.deregister(id);
    this.events.deregistered(this.registration.service, id);
    return true;
  }

  private async attempt(server: AddressSource | undefined): Promise<string | undefined> {
    try {
      const id = await this.registry.register(this.resolve(server));
      // A shutdown that started meanwhile waited for this attempt; it deregisters the id.
      this.id = id;
      if (this.current === 'registering') this.current = 'registered';
      this.settle(id);
      this.events.registered(this.registration.service, id);
      return id;
    } catch (error) {
      if (this.current === 'registering') this.current = 'failed';
      this.fail(error);
      this.report(error, 'register');
      return undefined;
    }
  }

  /** The registration with the advertised address filled in. */
  private resolve(server: AddressSource | undefined): Registration {
    const { check, host: _host, port: _port, ...rest } = this.registration;
    const address = advertisedAddress(this.registration, server);
    if (address === undefined) {
      throw new ConfigError('registration.port', 'a port, or a server listening on TCP', server?.address());
    }
    const health = typeof check === 'function' ? check(address) : check;
    return { ...rest, host: address.host, port: address.port, ...(health === undefined ? {} : { check: health }) };
  }
}
