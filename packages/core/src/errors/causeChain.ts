import { readProperty } from './safeRead.js';

/** Links read at most, the error itself included: real chains are 1 to 3 long (fetch's `TypeError` → undici's error). */
export const MAX_CAUSE_DEPTH = 8;

/**
 * The one cause-walker: calls `visit` on `error` and then on each `cause` in turn, and
 * returns the first value it returns. Stops at a non-object, after `MAX_CAUSE_DEPTH`
 * links, at a link already seen (a cycle), and where reading `cause` throws.
 */
export function findInCauseChain<T>(error: unknown, visit: (link: object) => T | undefined): T | undefined {
  let current = error;
  // Allocated only for an error that has a cause: most have none.
  let seen: object[] | undefined;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH; depth++) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (seen?.includes(current) === true) return undefined;
    const found = visit(current);
    if (found !== undefined) return found;
    const cause = readProperty(current, 'cause');
    if (cause === undefined) return undefined;
    seen ??= [];
    seen.push(current);
    current = cause;
  }
  return undefined;
}
