import type { Filter, Service } from '../service.js';
import type { CallOptions, Policy } from './Policy.js';

/**
 * Adapts a policy to a `Filter` so it can sit in a `compose()`d service stack.
 * `callOptions` derives per-call facts from the request (e.g. idempotency from the
 * HTTP method). The service form has no `ctx.attempt`; use `execute` when the next
 * layer needs it.
 */
export function policyFilter<Req, Res>(
  policy: Policy<Res>,
  callOptions?: (request: Req) => CallOptions,
): Filter<Req, Res> {
  return (next: Service<Req, Res>): Service<Req, Res> =>
    (request, signal) =>
      policy.execute((ctx) => next(request, ctx.signal), signal, callOptions?.(request));
}
