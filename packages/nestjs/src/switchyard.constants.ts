// Injection tokens. `Symbol.for` keys so two copies of this package still agree on them.

/** The resolved `SwitchyardModuleOptions` (the `@nestjs/throttler` naming). */
export const SWITCHYARD_MODULE_OPTIONS = 'SWITCHYARD:MODULE_OPTIONS';

/** The `ServiceClient`; inject it with `@InjectSwitchyardClient()`. */
export const SWITCHYARD_CLIENT: unique symbol = Symbol.for('SWITCHYARD:CLIENT');

/** The `ServiceRegistry` the client discovers through; inject it with `@InjectRegistry()`. */
export const SWITCHYARD_REGISTRY: unique symbol = Symbol.for('SWITCHYARD:REGISTRY');

/** The options as the user gave them (before validation), from `forRoot` or the async factory. */
export const SWITCHYARD_RAW_OPTIONS = 'SWITCHYARD:RAW_OPTIONS';
