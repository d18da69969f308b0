import type { Policy } from '../policy/Policy.js';
import { wrap } from '../policy/wrap.js';
import type { AttemptTracer } from './AttemptTracer.js';
import { type CallContext, Exchange } from './Exchange.js';
import type { ServiceRuntime } from './ServiceRuntime.js';
import { attemptSpanStage, breakerStage, feedbackStage, pickStage, type Stage } from './stages.js';

/** Runs one logical call through every stage. */
export type Pipeline = <T>(call: CallContext<T>, idempotent: boolean) => Promise<T>;

/**
 * The call path, in one ordered list:
 *
 *   bulkhead → retry (budget) → hedge → timeout → pick → instance breaker → feedback → attempt span → transport
 *
 * The first four are policies (they repeat, limit or time attempts) composed by `wrap`,
 * which numbers attempts and hands each its signal; the rest are stages run once per
 * attempt on its `Exchange`. A policy or stage the options turn off is left out.
 */
export function buildPipeline(runtime: ServiceRuntime, tracer: AttemptTracer | undefined): Pipeline {
  const policies: Policy[] = [];
  for (const policy of [runtime.bulkhead, runtime.retry, runtime.hedge, runtime.timeout]) {
    if (policy !== undefined) policies.push(policy);
  }
  const stages: Stage[] = [pickStage, breakerStage, feedbackStage];
  if (tracer !== undefined) stages.push(attemptSpanStage(tracer));

  let attempt = (exchange: Exchange<unknown>): Promise<unknown> => exchange.call.transport(exchange);
  for (let i = stages.length - 1; i >= 0; i--) {
    const stage = stages[i] as Stage;
    const next = attempt;
    attempt = (exchange) => stage(exchange, next);
  }
  const policy = wrap(...policies);
  const options = [{ idempotent: false }, { idempotent: true }] as const;
  return <T>(call: CallContext<T>, idempotent: boolean): Promise<T> =>
    policy.execute(
      (ctx) => attempt(new Exchange(call as CallContext<unknown>, ctx)) as Promise<T>,
      call.callerSignal,
      options[idempotent ? 1 : 0],
    );
}
