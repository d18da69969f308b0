import type { Server } from 'node:http';
import { ConfigError } from '@switchyard/core';
import {
  registerOnListen as coreRegisterOnListen,
  type ListenRegistration,
  type ServerLifecycle,
  type ServerLifecycleOptions,
} from '@switchyard/core/server';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';

/** Core's lifecycle options with the registration required (the log records' scope is this package's). */
export type RegisterOnListenOptions = Omit<ServerLifecycleOptions, 'registration' | 'scope'> & {
  readonly registration: ListenRegistration;
};

/**
 * Registers the instance when `server` starts listening (at once if it already does) and
 * shuts down gracefully: deregister → deregister delay (still serving) → stop accepting →
 * drain → `onShutdown` → close the registry if asked. Core's `registerOnListen`.
 */
export function registerOnListen(server: Server, options: RegisterOnListenOptions): ServerLifecycle {
  if (typeof server !== 'object' || server === null) throw new ConfigError('server', 'an http.Server', server);
  if (typeof options === 'object' && options !== null && options.registration === undefined) {
    throw new ConfigError('registration', 'a registration ({ service, ... })', undefined);
  }
  return coreRegisterOnListen(server, {
    ...options,
    scope: { name: INSTRUMENTATION_SCOPE, version: INSTRUMENTATION_VERSION },
  });
}
