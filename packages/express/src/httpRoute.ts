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

/**
 * Remembers the route as seen from inside the handler. Express restores `req.baseUrl` when
 * an error leaves a router, so by the time an app-level error handler or the response's
 * end runs, the mount prefix may be gone: the route is noted on every call and kept while
 * the same route still matches.
 */
export class RouteMemo {
  private readonly seen = new WeakMap<Request, { source: unknown; value: string | undefined }>();

  constructor(private readonly resolve: RouteResolver) {}

  note(req: Request): void {
    const source = (req as { route?: unknown }).route;
    if (source === undefined || this.seen.get(req)?.source === source) return;
    this.seen.set(req, { source, value: this.resolve(req) });
  }

  routeOf(req: Request): string | undefined {
    const source = (req as { route?: unknown }).route;
    const seen = this.seen.get(req);
    if (source !== undefined && seen?.source === source) return seen.value;
    return this.resolve(req);
  }
}
