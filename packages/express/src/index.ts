export type { ErrorHandlerOptions, SwitchyardProblem, SwitchyardProblemBody } from './errorHandler.js';
export { switchyardErrorHandler, switchyardProblem } from './errorHandler.js';
export { ConfigError, isConfigError } from './errors.js';
export type { RouteResolver } from './httpRoute.js';
export { defaultRoute } from './httpRoute.js';
export type {
  LifecyclePhase,
  ListenRegistration,
  RegisterOnListenOptions,
  ServerLifecycle,
  ShutdownResult,
} from './lifecycle.js';
export { registerOnListen } from './lifecycle.js';
export type { SwitchyardMiddleware, SwitchyardOptions } from './middleware.js';
export { switchyard } from './middleware.js';
export type { ServerTelemetryOptions } from './ServerTelemetry.js';
export type { SwitchyardRequestContext } from './SwitchyardRequestContext.js';
export { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';
