// Bad options throw core's ConfigError (same stable code and brand), naming the option.
export { ConfigError } from '@switchyard/core';
export type {
  LifecyclePhase,
  ListenRegistration,
  ProblemOptions,
  ServerLifecycle,
  ShutdownResult,
  SwitchyardProblem,
  SwitchyardProblemBody,
} from '@switchyard/core/server';
export { switchyardProblem } from '@switchyard/core/server';
export type { ErrorHandlerOptions } from './errorHandler.js';
export { switchyardErrorHandler } from './errorHandler.js';
export type { RouteResolver } from './httpRoute.js';
export { defaultRoute } from './httpRoute.js';
export type { RegisterOnListenOptions } from './lifecycle.js';
export { registerOnListen } from './lifecycle.js';
export type { ServerTelemetryOptions, SwitchyardMiddleware, SwitchyardOptions } from './middleware.js';
export { switchyard } from './middleware.js';
export type { SwitchyardRequestContext } from './SwitchyardRequestContext.js';
export { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';
