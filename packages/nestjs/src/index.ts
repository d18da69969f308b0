export type {
  ProblemOptions,
  ServerRequestContext as SwitchyardRequestContext,
  SwitchyardProblem,
  SwitchyardProblemBody,
} from '@switchyard/core/server';
export { switchyardProblem } from '@switchyard/core/server';
export { SERVER_INSTRUMENTATION_SCOPE, SERVER_INSTRUMENTATION_VERSION } from './serverNames.js';
export {
  SWITCHYARD_CLIENT,
  SWITCHYARD_MODULE_OPTIONS,
  SWITCHYARD_REGISTRY,
} from './switchyard.constants.js';
export {
  InjectRegistry,
  InjectSwitchyardClient,
  InjectSwitchyardOptions,
  SwitchyardRequest,
} from './switchyard.decorators.js';
export { SwitchyardErrorMatcher, SwitchyardExceptionFilter } from './switchyard.exception-filter.js';
export { SwitchyardTelemetryInterceptor } from './switchyard.interceptor.js';
export type {
  SwitchyardAddress,
  SwitchyardClientOptions,
  SwitchyardModuleAsyncOptions,
  SwitchyardModuleForRootOptions,
  SwitchyardModuleStaticOptions,
  SwitchyardOptionsFactory,
  SwitchyardRegistrationOptions,
  SwitchyardServerTelemetryOptions,
} from './switchyard.interfaces.js';
export { SwitchyardModuleOptions } from './switchyard.interfaces.js';
export { SwitchyardLifecycle } from './switchyard.lifecycle.js';
export { SwitchyardModule } from './switchyard.module.js';
