import { answerProblem, booleanOption, knownKeys, type ProblemOptions, plainObject } from '@switchyard/core/server';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';

export type ErrorHandlerOptions = ProblemOptions;

/**
 * Error middleware that answers Switchyard and upstream failures with core's problem mapper
 * (`switchyardProblem`: 503 + `Retry-After`, 504, 502, 500 for a `ConfigError`; an RFC 9457
 * body with messages hidden unless `exposeMessages`). Anything else, or a response already
 * started, goes to `next(err)`. Mount it after your routes.
 */
export function switchyardErrorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  knownKeys('', plainObject('options', options), ['exposeMessages']);
  if (options.exposeMessages !== undefined) booleanOption('exposeMessages', options.exposeMessages);
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (!answerProblem(res, error, options)) next(error);
  };
}
