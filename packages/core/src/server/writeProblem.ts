import type { ServerResponse } from 'node:http';
import type { SwitchyardProblem } from './problem.js';

/**
 * Sends `problem` on a `node:http` response, the same bytes under every framework (no
 * framework serializer, ETag or charset rewriting in between).
 */
export function writeProblem(res: ServerResponse, problem: SwitchyardProblem): void {
  res.statusCode = problem.status;
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.end(JSON.stringify(problem.body));
}
