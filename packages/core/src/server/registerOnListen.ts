import type { Server } from 'node:http';
import { capLogText } from '../common/redact.js';
import { booleanOption, finiteNumber, fn, knownKeys, nonEmptyString, plainObject } from '../common/validate.js';
import { ConfigError } from '../errors/ConfigError.js';
import { errorTypeOf } from '../errors/errorType.js';
import { errorText } from '../errors/safeRead.js';
import { MAX_TIMER_DELAY_MS } from '../policy/sleep.js';
import { createInstance, INSTANCE_INPUT_KEYS, type InstanceInput } from '../registry/Instance.js';
import { logs } from '../telemetry/logsApi.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from '../telemetry/names.js';
import { providerOption } from '../telemetry/providerOption.js';
import { drainServer } from './drainServer.js';
import { InFlightRequests } from './InFlightRequests.js';
import { InstanceRegistration } from './InstanceRegistration.js';
import { LifecycleEvents } from './LifecycleEvents.js';
import type { LifecyclePhase } from './ListenRegistration.js';
import type { LifecycleStage, ServerLifecycle, ServerLifecycleOptions, ShutdownResult } from './ServerLifecycle.js';

const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
const REGISTRATION_KEYS = [...Object.keys(INSTANCE_INPUT_KEYS), 'check'];
const OPTION_KEYS = [
  'registry',
  'registration',
  'drainTimeoutMs',
  'deregisterDelayMs',
  'signals',
  'exitOnSignal',
  'closeRegistry',
  'onShutdown',
  'onError',
  'loggerProvider',
  'scope',
];

/**
 * Ties a service instance to a `node:http` server's life: registers it when the server
 * listens (at once if it already does; without a server, at once with a configured port),
 * and on `shutdown()` deregisters → waits the deregister delay, still serving → stops
 * accepting → drains → runs `onShutdown` → closes the registry if asked. Both adapters use it.
 */
export function registerOnListen(server: Server | undefined, options: ServerLifecycleOptions): ServerLifecycle {
  validate(server, options);
  const { registry } = options;
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const deregisterDelayMs = options.deregisterDelayMs ?? 0;
  const exitOnSignal = options.exitOnSignal ?? true;
  const service = options.registration?.service;
  const events = new LifecycleEvents(
    options.scope ?? { name: INSTRUMENTATION_SCOPE, version: INSTRUMENTATION_VERSION },
    options.loggerProvider === false ? undefined : (options.loggerProvider ?? logs),
  );
  const report = (error: unknown, phase: LifecyclePhase): void => {
    // Scrubbed and capped: a registry's error can quote its URL (with credentials) or a token.
    const message = capLogText(errorText(error));
    const body = `Switchyard could not ${WHAT_FAILED[phase]} ${service ?? 'the server'} (${errorTypeOf(error)}): ${message}`;
    events.failed(service, phase, error, body);
    try {
      if (options.onError !== undefined) options.onError(error, phase);
      else process.emitWarning(body, 'SwitchyardWarning');
    } catch {
      // A failing reporter must not turn a registry hiccup into a crash.
    }
  };

  const requests = server === undefined ? undefined : new InFlightRequests(server);
  const registration =
    options.registration === undefined
      ? undefined
      : new InstanceRegistration(registry, options.registration, events, report);
  const registered =
    registration?.registered ?? Promise.reject(new ConfigError('registration', 'a registration', undefined));
  registered.catch(() => {});
  let stage: LifecycleStage = 'serving';

  const onListening = (): void => void registration?.register(server);
  if (registration !== undefined) {
    if (server === undefined || server.listening) onListening();
    else server.once('listening', onListening);
  }

  const signalHandlers = new Map<NodeJS.Signals, () => void>();
  const removeSignalHandlers = (): void => {
    for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
    signalHandlers.clear();
  };

  let shutdownPromise: Promise<ShutdownResult> | undefined;
  const shutdown = (): Promise<ShutdownResult> => {
    shutdownPromise ??= (async () => {
      server?.removeListener('listening', onListening);
      const errors: unknown[] = [];
      const fail = (error: unknown, phase: LifecyclePhase) => {
        errors.push(error);
        report(error, phase);
      };
      // 1. Deregister, so callers stop picking this instance while it still answers.
      stage = 'deregistering';
      let deregistered = false;
      try {
        deregistered = (await registration?.deregister()) ?? false;
      } catch (error) {
        fail(error, 'deregister');
      }
      // 2. Keep serving normally (keep-alive included) while lagging callers catch up.
      stage = 'delaying';
      if (deregisterDelayMs > 0 && deregistered) await delay(deregisterDelayMs);
      // 3. Stop accepting, then drain.
      stage = 'draining';
      const drain =
        server === undefined || requests === undefined
          ? { drained: true, forced: 0 }
          : await drainServer(server, requests, drainTimeoutMs);
      // 4. Hooks, then the registry.
      stage = 'closing';
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
      requests?.dispose();
      stage = 'closed';
      return { deregistered, ...drain, errors };
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
      return registration?.instanceId;
    },
    get registration() {
      return registration?.state ?? 'idle';
    },
    get stage() {
      return stage;
    },
    get inFlight() {
      return requests?.size ?? 0;
    },
    register: () =>
      registration === undefined || stage !== 'serving' ? Promise.resolve(undefined) : registration.register(server),
    shutdown,
  };
}

function validate(server: Server | undefined, options: ServerLifecycleOptions): void {
  if (server !== undefined && (typeof server !== 'object' || server === null || typeof server.close !== 'function')) {
    throw new ConfigError('server', 'an http.Server', server);
  }
  knownKeys('', plainObject('options', options), OPTION_KEYS);
  validateRegistry(options.registry);
  if (options.registration !== undefined) validateRegistration(options.registration);
  if (options.drainTimeoutMs !== undefined)
    finiteNumber('drainTimeoutMs', options.drainTimeoutMs, 0, MAX_TIMER_DELAY_MS);
  if (options.deregisterDelayMs !== undefined) {
    finiteNumber('deregisterDelayMs', options.deregisterDelayMs, 0, MAX_TIMER_DELAY_MS);
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
  if (options.onShutdown !== undefined) fn('onShutdown', options.onShutdown);
  if (options.onError !== undefined) fn('onError', options.onError);
  if (options.loggerProvider !== false) providerOption('loggerProvider', options.loggerProvider, 'getLogger');
  if (options.scope !== undefined) nonEmptyString('scope.name', plainObject('scope', options.scope).name);
}

/**
 * Checks a `ListenRegistration` where it is given, so a mistake fails at startup, not at
 * listen: host and port may be known only then, so the rest is checked with stand-ins.
 */
export function validateRegistration(value: unknown, option = 'registration'): void {
  const registration = plainObject(option, value);
  knownKeys(`${option}.`, registration, REGISTRATION_KEYS);
  const { service, check, host, port, ...rest } = registration;
  nonEmptyString(`${option}.service`, service);
  if (host !== undefined) nonEmptyString(`${option}.host`, host);
  if (port !== undefined) finiteNumber(`${option}.port`, port, 0, 65535);
  if (check !== undefined && typeof check !== 'function') plainObject(`${option}.check`, check);
  const standIn = { ...rest, host: host ?? 'validation.invalid', port: port || 1 } as InstanceInput;
  createInstance(standIn, service as string, option);
}

/** Checks a `ServiceRegistry` option by shape (any copy of core). */
export function validateRegistry(value: unknown, option = 'registry'): void {
  const registry = value as Partial<Record<string, unknown>> | null | undefined;
  const methods = ['resolve', 'watch', 'register', 'deregister', 'close'];
  if (typeof registry !== 'object' || registry === null || !methods.every((m) => typeof registry[m] === 'function')) {
    throw new ConfigError(option, 'a ServiceRegistry (StaticRegistry, ConsulRegistry, ...)', value);
  }
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
