import type { ServiceRegistry } from '../registry/ServiceRegistry.js';
import type { LoggerProvider } from '../telemetry/logsApi.js';
import type { DrainResult } from './drainServer.js';
import type { HttpServerScope } from './HttpServerTelemetry.js';
import type { RegistrationState } from './InstanceRegistration.js';
import type { LifecyclePhase, ListenRegistration } from './ListenRegistration.js';

export interface ServerLifecycleOptions {
  /** Where the instance registers (and, with `closeRegistry`, what is closed at the end). */
  readonly registry: ServiceRegistry;
  /** The instance to register once the server listens; omit it to only drain on shutdown. */
  readonly registration?: ListenRegistration;
  /** How long the drain waits for in-flight requests before closing their connections. Default 10 000 ms. */
  readonly drainTimeoutMs?: number;
  /**
   * Pause between deregistering and closing the listener, serving normally (keep-alive
   * included), so callers whose registry watches lag stop picking this instance before it
   * refuses them. Default 0.
   */
  readonly deregisterDelayMs?: number;
  /** Signals that start `shutdown()` (e.g. `['SIGTERM', 'SIGINT']`). Default none: nothing is installed. */
  readonly signals?: readonly NodeJS.Signals[];
  /**
   * After a signal-started shutdown, raise the signal again once no other listener is left
   * for it, so the process ends as it would have without Switchyard. A second signal while
   * draining does so at once. Default true.
   */
  readonly exitOnSignal?: boolean;
  /** Close the registry at the end of shutdown (when nothing else uses it). Default false. */
  readonly closeRegistry?: boolean;
  /** Runs after draining, before the registry is closed: close clients, flush telemetry. */
  readonly onShutdown?: () => unknown;
  /**
   * Registry (and hook) failures; never thrown. Each also goes out as a
   * `switchyard.lifecycle.error` log record. Default: a process warning.
   */
  readonly onError?: (error: unknown, phase: LifecyclePhase) => void;
  /** For the lifecycle log records; `false` for none. Default: the global logger provider. */
  readonly loggerProvider?: LoggerProvider | false;
  /** Instrumentation scope of the log records: the adapter's package. Default `@switchyard/core`. */
  readonly scope?: HttpServerScope;
}

/** Where a lifecycle is: serving, then the shutdown steps in order. */
export type LifecycleStage = 'serving' | 'deregistering' | 'delaying' | 'draining' | 'closing' | 'closed';

/** What `shutdown()` did. */
export interface ShutdownResult extends DrainResult {
  /** The instance was registered and is now deregistered. */
  readonly deregistered: boolean;
  /** Failures along the way (also reported to `onError`). */
  readonly errors: readonly unknown[];
}

export interface ServerLifecycle {
  /** The instance id once registered. Rejects (never unhandled) when registration failed or did not happen. */
  readonly registered: Promise<string>;
  /** The instance id while registered, else undefined. */
  readonly instanceId: string | undefined;
  /** Where the registration state machine is. */
  readonly registration: RegistrationState;
  /** Where the shutdown is. */
  readonly stage: LifecycleStage;
  /** Requests the server is working on now. */
  readonly inFlight: number;
  /**
   * Registers again now (after a failed registration, or when the registry lost the
   * instance); resolves with the id, or undefined when it failed (reported) or shutdown began.
   */
  register(): Promise<string | undefined>;
  /**
   * Deregisters, waits `deregisterDelayMs` while serving normally, stops accepting, drains
   * (closing keep-alive connections as they become idle), then runs `onShutdown` and closes
   * the registry if asked. Idempotent; never rejects.
   */
  shutdown(): Promise<ShutdownResult>;
}
