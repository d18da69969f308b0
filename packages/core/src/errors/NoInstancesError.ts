import { hasErrorCode, SwitchyardError } from './SwitchyardError.js';

/** No instance of the service could be picked: none registered, none healthy, or all excluded. */
export class NoInstancesError extends SwitchyardError {
  readonly service: string;

  constructor(service: string, reason = 'no instances available') {
    super('SWITCHYARD_NO_INSTANCES', `No instances of service "${service}": ${reason}`);
    this.service = service;
  }
}

export function isNoInstancesError(value: unknown): value is NoInstancesError {
  return hasErrorCode(value, 'SWITCHYARD_NO_INSTANCES');
}
