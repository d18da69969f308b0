import { createParamDecorator, type ExecutionContext, Inject } from '@nestjs/common';
import { ServerRequestScope } from '@switchyard/core/server';
import { nodeResponse } from './nodeHttp.js';
import { SWITCHYARD_CLIENT, SWITCHYARD_MODULE_OPTIONS, SWITCHYARD_REGISTRY } from './switchyard.constants.js';

/** Injects the module's `ServiceClient`: `constructor(@InjectSwitchyardClient() client: ServiceClient)`. */
export function InjectSwitchyardClient(): PropertyDecorator & ParameterDecorator {
  return Inject(SWITCHYARD_CLIENT);
}

/** Injects the module's `ServiceRegistry`. */
export function InjectRegistry(): PropertyDecorator & ParameterDecorator {
  return Inject(SWITCHYARD_REGISTRY);
}

/** Injects the validated `SwitchyardModuleOptions`. */
export function InjectSwitchyardOptions(): PropertyDecorator & ParameterDecorator {
  return Inject(SWITCHYARD_MODULE_OPTIONS);
}

/**
 * The request's `SwitchyardRequestContext` (Express's `req.switchyard`): `fetch`/`call` in
 * the request's trace, aborted when the client goes away. Undefined outside HTTP.
 */
export const SwitchyardRequest = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const response = nodeResponse(context.switchToHttp().getResponse());
  return response === undefined ? undefined : ServerRequestScope.of(response);
});
