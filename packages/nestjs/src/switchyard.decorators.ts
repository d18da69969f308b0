import { Inject } from '@nestjs/common';
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
