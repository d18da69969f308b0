/** A call as a function: a request in, a promise of a response out. */
export type Service<Req, Res> = (request: Req, signal: AbortSignal) => Promise<Res>;

/** A policy as a function around a call: it gets the next service and returns a new one. */
export type Filter<Req, Res> = (next: Service<Req, Res>) => Service<Req, Res>;

/** Composes filters outermost first: `compose(a, b)(s)` is `a(b(s))`. */
export function compose<Req, Res>(...filters: ReadonlyArray<Filter<Req, Res>>): Filter<Req, Res> {
  return (service) => {
    let next = service;
    for (let i = filters.length - 1; i >= 0; i--) next = (filters[i] as Filter<Req, Res>)(next);
    return next;
  };
}
