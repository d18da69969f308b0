import type { ServerRequestContext } from '@switchyard/core/server';

/**
 * What `switchyard()` puts on `req.switchyard`: the client's calls bound to this request
 * (core's `ServerRequestContext`). They run in the request's trace context and are aborted
 * when the client disconnects before the response is finished.
 */
export type SwitchyardRequestContext = ServerRequestContext;

declare global {
  namespace Express {
    interface Request {
      /** Set by `switchyard()` from `@switchyard/express`; undefined on requests it did not see. */
      switchyard: SwitchyardRequestContext;
    }
  }
}
