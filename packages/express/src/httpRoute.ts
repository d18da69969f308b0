import type { Request } from 'express';

/** Picks the `http.route` of a request: a low-cardinality template, or undefined when none matched. */
export type RouteResolver = (req: Request) => string | undefined;

/**
 * The matched Express route: the mount path of the router (`req.baseUrl`) followed by the
 * route's own path, e.g. `/api` + `/items/:id`. Express does not keep the templates of
 * mount paths, so a router mounted on a parameterised path (`/users/:id`) would put the
 * value into the route: pass `route` to `switchyard()` for such apps.
 */
export function defaultRoute(req: Request): string | undefined {
  const route = (req as { route?: { path?: unknown } }).route;
  if (route === undefined || route === null) return undefined;
  const template = templateOf(route.path);
  if (template === undefined) return undefined;
  const base = req.baseUrl;
  if (typeof base !== 'string' || base === '') return template;
  return template === '/' ? base : base + template;
}

function templateOf(path: unknown): string | undefined {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp) return path.toString();
  if (Array.isArray(path)) return path.map((p) => templateOf(p) ?? '').join(',');
  return undefined;
}
