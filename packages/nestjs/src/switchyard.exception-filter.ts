import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isSwitchyardError, type SwitchyardError } from '@switchyard/core';
import { throwError } from 'rxjs';
import { mapSwitchyardError } from './mapSwitchyardError.js';

/**
 * What `@Catch` matches: every Switchyard error by its `Symbol.for` brand, so errors from
 * another copy of `@switchyard/core` are caught too (Nest matches filters with
 * `instanceof`, which `Symbol.hasInstance` answers). Other errors go to other filters.
 */
export abstract class SwitchyardErrorMatcher {
  static [Symbol.hasInstance](value: unknown): boolean {
    return isSwitchyardError(value);
  }
}

/**
 * Answers Switchyard errors that reach the edge of an HTTP request: 503 (with
 * `Retry-After` for an open breaker), 504 for a timeout, 502 for other upstream failures,
 * as `application/problem+json` `{ error: code, message }`. Registered globally by
 * `SwitchyardModule` unless `exceptionFilter: false`; use `@UseFilters(SwitchyardExceptionFilter)`
 * to scope it instead. Outside HTTP (RPC, WebSocket) the error passes through unchanged.
 */
@Catch(SwitchyardErrorMatcher)
export class SwitchyardExceptionFilter implements ExceptionFilter<SwitchyardError> {
  private readonly logger = new Logger('Switchyard');

  constructor(@Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost) {}

  catch(error: SwitchyardError, host: ArgumentsHost): unknown {
    const type = host.getType<string>();
    if (type === 'rpc') return throwError(() => error);
    const adapter = this.adapterHost?.httpAdapter ?? undefined;
    if (type !== 'http' || adapter === undefined) return error;
    const response: unknown = host.switchToHttp().getResponse();
    const mapped = mapSwitchyardError(error);
    if (mapped.status === 500) this.logger.error(error.message, error.stack);
    if (adapter.isHeadersSent(response)) {
      // Too late for a status (a streamed body failed half-way): end it, as Nest's own filter does.
      adapter.end(response);
      return undefined;
    }
    adapter.setHeader(response, 'Content-Type', 'application/problem+json; charset=utf-8');
    if (mapped.retryAfterSeconds !== undefined) {
      adapter.setHeader(response, 'Retry-After', String(mapped.retryAfterSeconds));
    }
    adapter.reply(response, mapped.body, mapped.status);
    return undefined;
  }
}
