import { type DynamicModule, Module } from '@nestjs/common';
import { knownKeys, plainObject } from '@switchyard/core/server';
import {
  SWITCHYARD_CLIENT,
  SWITCHYARD_MODULE_OPTIONS,
  SWITCHYARD_RAW_OPTIONS,
  SWITCHYARD_REGISTRY,
} from './switchyard.constants.js';
import type { SwitchyardModuleAsyncOptions, SwitchyardModuleForRootOptions } from './switchyard.interfaces.js';
import { SwitchyardLifecycle } from './switchyard.lifecycle.js';
import { validateOptions, validateStaticOptions } from './switchyard.options.js';
import { createAsyncOptionsProviders, createSwitchyardProviders } from './switchyard.providers.js';

const ASYNC_KEYS = ['imports', 'inject', 'useFactory', 'useClass', 'useExisting', 'global', 'exceptionFilter'];
const EXPORTS = [SWITCHYARD_CLIENT, SWITCHYARD_REGISTRY, SWITCHYARD_MODULE_OPTIONS, SwitchyardLifecycle];

/**
 * Provides a Switchyard `ServiceClient` (inject it with `@InjectSwitchyardClient()`) and
 * its registry, registers the application once it listens and deregisters it on shutdown,
 * maps Switchyard errors to HTTP statuses and traces requests. Global unless `global: false`.
 *
 * ```ts
 * @Module({ imports: [SwitchyardModule.forRoot({ registry, registration: { service: 'checkout' } })] })
 * export class AppModule {}
 * ```
 */
@Module({})
export class SwitchyardModule {
  /** Options known when the module is imported. Bad options throw a `ConfigError` here. */
  static forRoot(options: SwitchyardModuleForRootOptions): DynamicModule {
    plainObject('options', options);
    const { global, exceptionFilter, ...rest } = options;
    validateStaticOptions({
      ...(global === undefined ? {} : { global }),
      ...(exceptionFilter === undefined ? {} : { exceptionFilter }),
    });
    validateOptions(rest);
    return {
      module: SwitchyardModule,
      global: global ?? true,
      providers: [
        { provide: SWITCHYARD_RAW_OPTIONS, useValue: rest },
        ...createSwitchyardProviders(exceptionFilter ?? true),
      ],
      exports: EXPORTS,
    };
  }

  /** Options built by a factory, a class or an existing provider, e.g. from `ConfigService`. */
  static forRootAsync(options: SwitchyardModuleAsyncOptions): DynamicModule {
    knownKeys('', plainObject('forRootAsync', options), ASYNC_KEYS, ' (other options come from the factory)');
    validateStaticOptions(options);
    return {
      module: SwitchyardModule,
      global: options.global ?? true,
      imports: options.imports ?? [],
      providers: [
        ...createAsyncOptionsProviders(options),
        ...createSwitchyardProviders(options.exceptionFilter ?? true),
      ],
      exports: EXPORTS,
    };
  }
}
