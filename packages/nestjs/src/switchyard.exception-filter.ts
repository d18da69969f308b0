import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Logger, Optional } from '@nestjs/common';
import { SwitchyardError } from '@switchyard/core';
import { answerProblem, upstreamFailureOf } from '@switchyard/core/server';
import { throwError } from 'rxjs';
import { nodeResponse } from './nodeHttp.js';
import { SWITCHYARD_MODULE_OPTIONS } from './switchyard.constants.js';
import type { SwitchyardModuleOptions } from './switchyard.interfaces.js';

/**
 * What `@Catch` matches: Switchyard errors by their `Symbol.for` brand (so errors from
 * another copy of `@switchyard/core` are caught too) and upstream failures core's problem
 * mapper knows (fetch's transport `TypeError`, a `TimeoutError` DOMException). Nest matches
 * filters with `instanceof`, which `Symbol.hasInstance` answers.
 */
export abstract class SwitchyardErrorMatcher {
  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof SwitchyardError || upstreamFailureOf(value) !== undefined;
  }
}

/**
 * Answers those errors with core's problem mapper, exactly as the Express adapter does.
 * Registered globally by `SwitchyardModule` unless `exceptionFilter: false`. Outside HTTP
 * (RPC, WebSocket) the error passes through unchanged.
 */
@Catch(SwitchyardErrorMatcher)
export class SwitchyardExceptionFilter implements ExceptionFilter<unknown> {
  private readonly logger = new Logger('Switchyard');

  constructor(@Optional() @Inject(SWITCHYARD_MODULE_OPTIONS) private readonly options?: SwitchyardModuleOptions) {}

  catch(error: unknown, host: ArgumentsHost): unknown {
    const type = host.getType<string>();
    if (type === 'rpc') return throwError(() => error);
    const response = type === 'http' ? nodeResponse(host.switchToHttp().getResponse()) : undefined;
    if (response === undefined) return error;
    // A ConfigError is a bug in this service: the answer hides it, the log does not.
    if (error instanceof SwitchyardError && error.code === 'SWITCHYARD_CONFIG')
      this.logger.error(error.message, error.stack);
    const exposeMessages = this.options?.exposeMessages ?? false;
    // Too late for a status (a streamed body failed half-way): end it, as Nest's own filter does.
    if (!answerProblem(response, error, { exposeMessages })) response.end();
    return undefined;
  }
}
