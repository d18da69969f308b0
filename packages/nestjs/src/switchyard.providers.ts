import type { InjectionToken, Provider } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { ConfigError, createClient, type ServiceClient, type ServiceRegistry } from '@switchyard/core';
import { isServiceClient } from '@switchyard/core/server';
import {
  SWITCHYARD_CLIENT,
  SWITCHYARD_MODULE_OPTIONS,
  SWITCHYARD_RAW_OPTIONS,
  SWITCHYARD_REGISTRY,
} from './switchyard.constants.js';
import { SwitchyardExceptionFilter } from './switchyard.exception-filter.js';
import { SwitchyardTelemetryInterceptor } from './switchyard.interceptor.js';
import type {
  SwitchyardModuleAsyncOptions,
  SwitchyardModuleOptions,
  SwitchyardOptionsFactory,
} from './switchyard.interfaces.js';
import { SwitchyardLifecycle } from './switchyard.lifecycle.js';
import { validateOptions } from './switchyard.options.js';

/** Everything derived from the raw options: validated options, registry, client, lifecycle, filter, interceptor. */
export function createSwitchyardProviders(exceptionFilter: boolean): Provider[] {
  const providers: Provider[] = [
    {
      provide: SWITCHYARD_MODULE_OPTIONS,
      useFactory: (raw: unknown): SwitchyardModuleOptions => validateOptions(raw),
      inject: [SWITCHYARD_RAW_OPTIONS],
    },
    {
      provide: SWITCHYARD_REGISTRY,
      useFactory: (options: SwitchyardModuleOptions): ServiceRegistry => options.registry,
      inject: [SWITCHYARD_MODULE_OPTIONS],
    },
    {
      provide: SWITCHYARD_CLIENT,
      useFactory: (options: SwitchyardModuleOptions): ServiceClient =>
        isServiceClient(options.client)
          ? options.client
          : createClient({ ...options.client, registry: options.registry }),
      inject: [SWITCHYARD_MODULE_OPTIONS],
    },
    SwitchyardLifecycle,
    { provide: APP_INTERCEPTOR, useClass: SwitchyardTelemetryInterceptor },
  ];
  if (exceptionFilter) providers.push({ provide: APP_FILTER, useClass: SwitchyardExceptionFilter });
  return providers;
}

/** The provider of the raw options for `forRootAsync`: one of useFactory, useClass or useExisting. */
export function createAsyncOptionsProviders(options: SwitchyardModuleAsyncOptions): Provider[] {
  const { useFactory, useClass, useExisting } = options;
  const given = [useFactory, useClass, useExisting].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new ConfigError('forRootAsync', 'exactly one of useFactory, useClass or useExisting', options);
  }
  if (useFactory !== undefined) {
    if (typeof useFactory !== 'function') throw new ConfigError('useFactory', 'a function', useFactory);
    return [{ provide: SWITCHYARD_RAW_OPTIONS, useFactory, inject: options.inject ?? [] }];
  }
  const factoryToken = (useClass ?? useExisting) as InjectionToken<SwitchyardOptionsFactory>;
  const fromFactory: Provider = {
    provide: SWITCHYARD_RAW_OPTIONS,
    useFactory: (factory: SwitchyardOptionsFactory) => factory.createSwitchyardOptions(),
    inject: [factoryToken],
  };
  if (useClass !== undefined) {
    if (typeof useClass !== 'function') throw new ConfigError('useClass', 'a class', useClass);
    return [{ provide: useClass, useClass }, fromFactory];
  }
  return [fromFactory];
}
