import { IncomingMessage, type ServerResponse } from 'node:http';
import { ServerRequestScope } from '@switchyard/core/server';
import type { Request } from 'express';

/**
 * `req.switchyard` without adding a property to each request: Express swaps every request's
 * prototype, so each property added to a request builds a new hidden class (about 1.5 µs on
 * Node 20). A getter on Express's request prototype reads the scope the response already
 * holds (`ServerRequestScope.of(req.res)`); assigning `req.switchyard` still makes an own property.
 */
const KEY = 'switchyard';

const descriptor: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: { res?: ServerResponse }): ServerRequestScope | undefined {
    const res = this.res;
    return res === undefined || res === null ? undefined : ServerRequestScope.of(res);
  },
  set(this: object, value: unknown) {
    Object.defineProperty(this, KEY, { configurable: true, enumerable: true, writable: true, value });
  },
};

/** The last request prototype seen with the getter reachable: one comparison per request. */
let lastPrototype: object | null = null;

/** Makes `req.switchyard` read `scope` (started on `res`). */
export function exposeScope(req: Request, res: ServerResponse, scope: ServerRequestScope): void {
  const prototype = Object.getPrototypeOf(req) as object | null;
  if (req.res === res && (prototype === lastPrototype || installGetter(prototype))) {
    lastPrototype = prototype;
    return;
  }
  // Not an Express request over node:http (or its `res` is another object): an own property.
  req.switchyard = scope;
}

/**
 * Defines the getter on Express's own request prototype (the one right above
 * `IncomingMessage.prototype`), shared by every app and sub-app of that Express copy, so a
 * request keeps `req.switchyard` when a sub-app swaps its prototype back.
 */
function installGetter(prototype: object | null): boolean {
  let p = prototype;
  for (let depth = 0; p !== null && depth < 8; depth++) {
    const parent = Object.getPrototypeOf(p) as object | null;
    if (parent === IncomingMessage.prototype) {
      const own = Object.getOwnPropertyDescriptor(p, KEY);
      if (own === undefined) Object.defineProperty(p, KEY, descriptor);
      else if (own.get !== descriptor.get) return false;
      return true;
    }
    p = parent;
  }
  return false;
}
