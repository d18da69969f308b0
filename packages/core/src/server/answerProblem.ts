import type { ServerResponse } from 'node:http';
import { type ProblemOptions, switchyardProblem } from './problem.js';
import { ServerRequestScope } from './ServerRequestScope.js';
import { writeProblem } from './writeProblem.js';

/**
 * What an adapter's error handler calls: answers `error` on `res` with the problem mapper
 * (through the request's scope when the adapter started one, so telemetry records it) and
 * returns true, or returns false to leave the error to the framework (not one the mapper
 * maps, or the response already started).
 */
export function answerProblem(res: ServerResponse, error: unknown, options: ProblemOptions = {}): boolean {
  const scope = ServerRequestScope.of(res);
  if (scope !== undefined) return scope.answer(error, options);
  const problem = switchyardProblem(error, options);
  if (problem === undefined || res.headersSent) return false;
  if (res.destroyed) res.end();
  else writeProblem(res, problem);
  return true;
}
