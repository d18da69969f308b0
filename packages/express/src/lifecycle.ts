import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type LoggerProvider, logs } from '@opentelemetry/api-logs';
import { errorTypeOf, LifecycleEvents, type Registration, RegistryError, type ServiceRegistry } from '@switchyard/core';
import { booleanOption, ConfigError, functionOption, numberOption, objectOption, providerOption } from './errors.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';

/** A registration whose address may come from the server: `port` 0 or omitted means the port it listens on. */
export type ListenRegistration = Omit<Registration, 'port' | 'host'> & {
  /** Default: the address the server listens on, unless that is a wildcard (`0.0.0.0`, `::`). */
  host?: string;
  port?: number;
};

/** The step a registry failure happened in. */
export type LifecyclePhase = 'register' | 'deregister' | 'shutdown-hook' | 'close';

export interface RegisterOnListenOptions {
  readonly registry: ServiceRegistry;
  readonly registration: ListenRegistration;
  /** How long `shutdown()` waits for in-flight requests before closing their connections. Default 10 000 ms. */
  readonly drainTimeoutMs?: number;
  /**
   * Pause between deregistering and closing the listener, so callers whose registry
   * watches lag behind stop picking this instance before it refuses them. Default 0.
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
   * Registry (and hook) failures; never thrown. Default: an OpenTelemetry log record
   * (`switchyard.lifecycle.error`) and a process warning.
   */
  readonly onError?: (error: unknown, phase: LifecyclePhase) => void;
  /** Default: the global logger provider. */
  readonly loggerProvider?: LoggerProvider;
}

/** What `shutdown()` did. */
export interface ShutdownResult {
  /** The instance was registered and is now deregistered. */
  readonly deregistered: boolean;
  /** Every in-flight request finished before `drainTimeoutMs`. */
  readonly drained: boolean;
  /** Requests still running at the deadline, whose connections were closed. */
  readonly forced: number;
  /** Failures along the way (also reported to `onError`). */
  readonly errors: readonly unknown[];
}

export interface ServerLifecycle {
  /** The instance id once registered. Rejects (never unhandled) when registration failed. */
  readonly registered: Promise<string>;
  /** The instance id while registered, else undefined. */
  readonly instanceId: string | undefined;
  /** Requests the server is working on now. */
  readonly inFlight: number;
  /**
   * Deregisters, stops accepting connections, waits for in-flight requests (closing
   * idle keep-alive connections), then runs `onShutdown` and closes the registry if asked.
   * Idempotent; never rejects.
   */
  shutdown(): Promise<ShutdownResult>;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/**
 * Registers the service instance when `server` starts listening (at once if it already
 * is) and takes care of a graceful shutdown: deregister first so callers stop picking
 * it, then stop accepting, drain, and close.
 */
export function registerOnListen(server: Server, options: RegisterOnListenOptions): ServerLifecycle {
  validate(server, options);
  const { registry } = options;
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const deregisterDelayMs = options.deregisterDelayMs ?? 0;
  const exitOnSignal = options.exitOnSignal ?? true;
  const service = options.registration.service;
  const events = new LifecycleEvents(
    { name: INSTRUMENTATION_SCOPE, version: INSTRUMENTATION_VERSION },
    options.loggerProvider ?? logs,
  );
  const report = (error: unknown, phase: LifecyclePhase): void => {
    try {
      if (options.onError !== undefined) options.onError(error, phase);
      else defaultReport(events, service, error, phase);
    } catch {
      // A failing reporter must not turn a registry hiccup into a crash.
    }
  };

  // In-flight requests, so draining knows when it is done and which answers to mark `Connection: close`.
  const active = new Set<ServerResponse>();
  let draining = false;
  let onIdle: (() => void) | undefined;
  const onRequest = (_req: IncomingMessage, res: ServerResponse): void => {
    active.add(res);
    if (draining && !res.headersSent) res.setHeader('Connection', 'close');
    res.once('close', () => {
      active.delete(res);
      if (draining) {
        server.closeIdleConnections();
        if (active.size === 0) onIdle?.();
      }
    });
  };
  server.on('request', onRequest);

  let settleRegistration: (id: string) => void = () => {};
  let failRegistration: (error: unknown) => void = () => {};
  const registered = new Promise<string>((resolve, reject) => {
    settleRegistration = resolve;
    failRegistration = reject;
  });
  registered.catch(() => {});
  let registering: Promise<string | undefined> | undefined;
  let instanceId: string | undefined;

  const register = (): void => {
    if (registering !== undefined || draining) return;
    registering = (async () => {
      try {
        const id = await registry.register(registrationFor(server, options.registration));
        instanceId = id;
        settleRegistration(id);
        events.registered(service, id);
        return id;
      } catch (error) {
        failRegistration(error);
        report(error, 'register');
        return undefined;
      }
    })();
  };
  if (server.listening) register();
  else server.once('listening', register);

  const signalHandlers = new Map<NodeJS.Signals, () => void>();
  const removeSignalHandlers = (): void => {
    for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
    signalHandlers.clear();
  };

  let shutdownPromise: Promise<ShutdownResult> | undefined;
  const shutdown = (): Promise<ShutdownResult> => {
    shutdownPromise ??= (async () => {
      draining = true;
      server.removeListener('listening', register);
      const errors: unknown[] = [];
      const fail = (error: unknown, phase: LifecyclePhase) => {
        errors.push(error);
        report(error, phase);
      };
      if (registering === undefined) {
        failRegistration(new RegistryError(registry.name, 'the server shut down before it was listening'));
      }

      // 1. Deregister, so callers stop picking this instance before it stops answering.
      let deregistered = false;
      const id = registering === undefined ? undefined : await registering;
      if (id !== undefined) {
        try {
          await registry.deregister(id);
          deregistered = true;
          instanceId = undefined;
          events.deregistered(service, id);
        } catch (error) {
          fail(error, 'deregister');
        }
        if (deregisterDelayMs > 0) await delay(deregisterDelayMs);
      }

      // 2. Stop accepting, tell keep-alive clients to go, close idle connections, drain.
      const closed = new Promise<void>((resolve) => {
        if (!server.listening) resolve();
        else server.close(() => resolve());
      });
      for (const res of active) if (!res.headersSent) res.setHeader('Connection', 'close');
      server.closeIdleConnections();
      const idle = new Promise<void>((resolve) => {
        onIdle = resolve;
        if (active.size === 0) resolve();
      });
      const done = idle.then(() => {
        server.closeIdleConnections();
        return closed;
      });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), drainTimeoutMs);
      });
      const outcome = await Promise.race([done, deadline]);
      clearTimeout(timer);
      let forced = 0;
      if (outcome === 'timeout') {
        // Requests still running (or connections that never became idle): cut them.
        forced = active.size;
        server.closeAllConnections();
        await closed;
      }

      // 3. Hooks, then the registry.
      if (options.onShutdown !== undefined) {
        try {
          await options.onShutdown();
        } catch (error) {
          fail(error, 'shutdown-hook');
        }
      }
      if (options.closeRegistry === true) {
        try {
          await registry.close();
        } catch (error) {
          fail(error, 'close');
        }
      }
      server.removeListener('request', onRequest);
      return { deregistered, drained: forced === 0, forced, errors };
    })();
    return shutdownPromise;
  };

  for (const signal of options.signals ?? []) {
    const handler = (): void => {
      if (shutdownPromise !== undefined) {
        // A second signal while draining: stop waiting.
        removeSignalHandlers();
        if (exitOnSignal) reraise(signal);
        return;
      }
      void shutdown().then(() => {
        removeSignalHandlers();
        if (exitOnSignal) reraise(signal);
      });
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }

  return {
    registered,
    get instanceId() {
      return instanceId;
    },
    get inFlight() {
      return active.size;
    },
    shutdown,
  };
}

/** The registration with the server's own address filled in. */
function registrationFor(server: Server, registration: ListenRegistration): Registration {
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? (address as AddressInfo) : undefined;
  const port = registration.port === undefined || registration.port === 0 ? bound?.port : registration.port;
  if (port === undefined) {
    throw new ConfigError('registration.port', 'a port, or a server listening on TCP', address);
  }
  let host = registration.host;
  if (host === undefined) {
    if (bound === undefined || bound.address === '0.0.0.0' || bound.address === '::') {
      throw new ConfigError(
        'registration.host',
        'an address callers can reach (the server listens on every interface)',
        bound?.address,
      );
    }
    host = bound.address;
  }
  return { ...registration, host, port };
}

function validate(server: Server, options: RegisterOnListenOptions): void {
  if (typeof server !== 'object' || server === null || typeof server.close !== 'function') {
    throw new ConfigError('server', 'an http.Server', server);
  }
  objectOption('options', options);
  const registry = options.registry as Partial<ServiceRegistry> | undefined;
  if (typeof registry?.register !== 'function' || typeof registry.deregister !== 'function') {
    throw new ConfigError('registry', 'a ServiceRegistry (StaticRegistry, ConsulRegistry, ...)', registry);
  }
  const registration = objectOption('registration', options.registration);
  if (typeof registration.service !== 'string' || registration.service.trim() === '') {
    throw new ConfigError('registration.service', 'a non-empty string', registration.service);
  }
  if (registration.port !== undefined) numberOption('registration.port', registration.port, 0, 65535);
  if (registration.host !== undefined && (typeof registration.host !== 'string' || registration.host === '')) {
    throw new ConfigError('registration.host', 'a non-empty string', registration.host);
  }
  if (options.drainTimeoutMs !== undefined) numberOption('drainTimeoutMs', options.drainTimeoutMs, 0, 2 ** 31 - 1);
  if (options.deregisterDelayMs !== undefined) {
    numberOption('deregisterDelayMs', options.deregisterDelayMs, 0, 2 ** 31 - 1);
  }
  if (options.signals !== undefined) {
    if (
      !Array.isArray(options.signals) ||
      options.signals.some((s) => typeof s !== 'string' || !/^SIG[A-Z0-9]+$/.test(s))
    ) {
      throw new ConfigError('signals', "an array of signal names such as ['SIGTERM', 'SIGINT']", options.signals);
    }
  }
  if (options.exitOnSignal !== undefined) booleanOption('exitOnSignal', options.exitOnSignal);
  if (options.closeRegistry !== undefined) booleanOption('closeRegistry', options.closeRegistry);
  if (options.onShutdown !== undefined) functionOption('onShutdown', options.onShutdown);
  if (options.onError !== undefined) functionOption('onError', options.onError);
  providerOption('loggerProvider', options.loggerProvider, 'getLogger');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Ends the process the way the signal would have, now that our handler is gone. */
function reraise(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

const WHAT_FAILED: Readonly<Record<LifecyclePhase, string>> = {
  register: 'register',
  deregister: 'deregister',
  'shutdown-hook': 'run the shutdown hook of',
  close: 'close the registry of',
};

/** The default `onError`: a `switchyard.lifecycle.error` log record and a process warning. */
function defaultReport(events: LifecycleEvents, service: string, error: unknown, phase: LifecyclePhase): void {
  const message = error instanceof Error ? error.message : String(error);
  const body = `Switchyard could not ${WHAT_FAILED[phase]} ${service} (${errorTypeOf(error)}): ${message}`;
  events.failed(service, phase, error, body);
  process.emitWarning(body, 'SwitchyardWarning');
}
