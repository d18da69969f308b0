import { brandedInstanceOf, hasErrorCode, SwitchyardError } from './SwitchyardError.js';

/** No instance of the service could be picked: none registered, none healthy, or all excluded. */
export class NoInstancesError extends SwitchyardError {
  readonly service: string;

  constructor(service: string, reason = 'no instances available') {
    super('SWITCHYARD_NO_INSTANCES', `No instances of service "${service}": ${reason}`);
    this.service = service;
  }

  /** By brand and code, so an error from another copy of the package matches too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asked about, a subclass's too
    return brandedInstanceOf(this, NoInstancesError, 'SWITCHYARD_NO_INSTANCES', value);
  }
}

/** Same as `value instanceof NoInstancesError`. */
export function isNoInstancesError(value: unknown): value is NoInstancesError {
  return hasErrorCode(value, 'SWITCHYARD_NO_INSTANCES');
}
