import { EventEmitter } from '../../common/Event.js';
import type { ConsulApi } from './ConsulApi.js';
import { type ConsulRequestError, toConsulRequestError } from './ConsulRequestError.js';
import type { AgentRegistration, AgentServiceDefinition } from './toAgentRegistration.js';

/** What happened to a service this registry registered, outside of a caller's own call. */
export interface RegistrationEvent {
  /**
   * - `reregistered`: the agent had lost it (restart, TTL check unknown) and it was registered again;
   * - `heartbeat_failed`: a TTL heartbeat failed (the agent is unreachable or refused it);
   * - `reregister_failed`: registering it again failed (retried at the next heartbeat or sync);
   * - `deregister_failed`: deregistering it on `close()` failed (its check will expire it, if it has one).
   */
  readonly type: 'reregistered' | 'heartbeat_failed' | 'reregister_failed' | 'deregister_failed';
  readonly id: string;
  readonly service: string;
  readonly error?: ConsulRequestError;
}

interface Entry {
  readonly registration: AgentRegistration;
  timer: NodeJS.Timeout | undefined;
  /** The status the agent last reported for its HTTP or TCP check: a re-registration starts from it. */
  checkStatus: string | undefined;
}

/** Statuses a check can be registered with. */
const CHECK_STATUSES = new Set(['passing', 'warning', 'critical']);

/**
 * The services this registry registered, kept registered: TTL checks are heartbeated
 * every ttl/3, and services the agent lost (a restart wipes a dev agent; a TTL heartbeat
 * answered "unknown check"; the anti-entropy sync does not find them) are registered again.
 * The sync also remembers the status of each HTTP/TCP check, and a re-registration sends
 * it as the check's initial `Status`: otherwise Consul starts the check critical until it
 * first runs (up to an interval later), and watchers would drop a healthy instance.
 * Every timer is unref'd, so they never keep a process alive on their own.
 */
export class OwnRegistrations {
  private readonly entries = new Map<string, Entry>();
  private readonly events = new EventEmitter<RegistrationEvent>();
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<number> | undefined;

  readonly onEvent = this.events.event;

  constructor(
    private readonly api: ConsulApi,
    private readonly syncIntervalMs: number | false,
    private readonly signal: AbortSignal,
  ) {}

  /** Registers with the agent, then keeps it registered. Rejects with a ConsulRequestError. */
  async add(registration: AgentRegistration): Promise<void> {
    try {
      await this.api.register(registration.definition, this.signal);
    } catch (error) {
      // Cancelled by close(): the agent may have registered it all the same.
      if (this.signal.aborted) this.undo(registration.id);
      throw error;
    }
    if (this.signal.aborted) {
      this.undo(registration.id);
      return;
    }
    this.remove(registration.id);
    const entry: Entry = { registration, timer: undefined, checkStatus: undefined };
    this.entries.set(registration.id, entry);
    this.scheduleHeartbeat(entry);
    this.scheduleSync();
  }

  /** Forgets `id` (no more heartbeats or re-registration). Returns whether it was ours. */
  remove(id: string): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    clearTimeout(entry.timer);
    this.entries.delete(id);
    if (this.entries.size === 0) {
      clearTimeout(this.syncTimer);
      this.syncTimer = undefined;
    }
    return true;
  }

  /**
   * Anti-entropy: asks the agent which services it has and registers again those of ours
   * it lost. Concurrent calls share one round. Resolves with how many were registered
   * again; never rejects.
   */
  sync(): Promise<number> {
    if (this.entries.size === 0 || this.signal.aborted) return Promise.resolve(0);
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  /** Stops every timer; the registry deregisters what is left. */
  stop(): AgentRegistration[] {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    const left = [...this.entries.values()].map((entry) => {
      clearTimeout(entry.timer);
      return entry.registration;
    });
    this.entries.clear();
    return left;
  }

  /** Drops every event listener (after `close()` has reported its last events). */
  clearListeners(): void {
    this.events.clear();
  }

  emit(event: RegistrationEvent): void {
    this.events.emit(event);
  }

  /** Best-effort deregistration of a registration nobody tracks any more (close() or deregister() ran meanwhile). */
  private undo(id: string): void {
    this.api.deregister(id, new AbortController().signal).catch(() => {});
  }

  private async syncOnce(): Promise<number> {
    const entries = [...this.entries.values()];
    const watchStatus = entries.some((entry) => statusCheckId(entry) !== undefined);
    let present: Set<string>;
    let statuses: Map<string, string> | undefined;
    try {
      [present, statuses] = await Promise.all([
        this.api.agentServiceIds(this.signal),
        // Not knowing a status only means a re-registration starts as Consul would start it.
        watchStatus ? this.api.agentCheckStatuses(this.signal).catch(() => undefined) : undefined,
      ]);
    } catch {
      // Unreachable agent: the watch loops report it; the next sync or heartbeat retries.
      return 0;
    }
    for (const entry of entries) {
      const checkId = statusCheckId(entry);
      const status = checkId === undefined ? undefined : statuses?.get(checkId);
      if (status !== undefined && CHECK_STATUSES.has(status)) entry.checkStatus = status;
    }
    const done = await Promise.all(
      entries
        .filter((entry) => this.entries.get(entry.registration.id) === entry && !present.has(entry.registration.id))
        .map((entry) => this.reregister(entry)),
    );
    return done.filter(Boolean).length;
  }

  /** Registers `entry` again; resolves with whether that worked. */
  private async reregister(entry: Entry): Promise<boolean> {
    const { id, service } = entry.registration;
    try {
      await this.api.register(withStatus(entry), this.signal);
      if (this.entries.get(id) !== entry) {
        // Deregistered while this was in flight: do not leave it resurrected.
        if (!this.entries.has(id)) this.undo(id);
        return false;
      }
      this.emit({ type: 'reregistered', id, service });
      return true;
    } catch (error) {
      if (this.signal.aborted || this.entries.get(id) !== entry) return false;
      this.emit({ type: 'reregister_failed', id, service, error: toConsulRequestError('registration', error) });
      return false;
    }
  }

  private scheduleHeartbeat(entry: Entry): void {
    const { ttlMs, ttlCheckId } = entry.registration;
    if (ttlMs === undefined || ttlCheckId === undefined || this.signal.aborted) return;
    entry.timer = setTimeout(() => {
      void this.heartbeat(entry, ttlCheckId);
    }, ttlMs / 3);
    entry.timer.unref();
  }

  private async heartbeat(entry: Entry, checkId: string): Promise<void> {
    const { id, service } = entry.registration;
    try {
      await this.api.passCheck(checkId, this.signal);
    } catch (error) {
      if (this.signal.aborted || this.entries.get(id) !== entry) return;
      const failure = toConsulRequestError('registration', error);
      if (isCheckLost(failure)) await this.reregister(entry);
      else this.emit({ type: 'heartbeat_failed', id, service, error: failure });
    }
    if (this.entries.get(id) === entry) this.scheduleHeartbeat(entry);
  }

  private scheduleSync(): void {
    const interval = this.syncIntervalMs;
    if (interval === false || this.syncTimer !== undefined || this.signal.aborted) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      void this.sync().finally(() => {
        if (this.entries.size > 0) this.scheduleSync();
      });
    }, interval);
    this.syncTimer.unref();
  }
}

/**
 * The agent no longer has the check: 404 "Unknown check ID" (current agents) or 500
 * "... does not have associated TTL" (older ones, and a check replaced by a non-TTL one).
 */
function isCheckLost(error: ConsulRequestError): boolean {
  return (
    error.status === 404 || (error.status === 500 && /unknown check|does not have associated ttl/i.test(error.message))
  );
}

/** The id of `entry`'s check when it is one the agent runs (HTTP/TCP); TTL checks start passing anyway. */
function statusCheckId(entry: Entry): string | undefined {
  const { definition, ttlCheckId } = entry.registration;
  return ttlCheckId === undefined ? definition.Check?.CheckID : undefined;
}

/** The definition to register again: its check starting from the status last seen, when one was. */
function withStatus(entry: Entry): AgentServiceDefinition {
  const { definition } = entry.registration;
  const check = definition.Check;
  if (check === undefined || entry.checkStatus === undefined || statusCheckId(entry) === undefined) return definition;
  return { ...definition, Check: { ...check, Status: entry.checkStatus } };
}
