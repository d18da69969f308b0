import { SeverityNumber } from '@opentelemetry/api-logs';
import type { Disposable } from '../common/Disposable.js';
import { errorTypeOf } from '../errors/errorType.js';
import type { CallEndMessage, PickMessage } from '../events/messages.js';
import { subscribe } from '../events/subscribe.js';
import { ATTR, ERROR_TYPE_OTHER, ERROR_TYPE_TIMEOUT, LOG_EVENT } from './names.js';
import type { ObserverContext } from './ObserverContext.js';

/**
 * Calls on every request: `switchyard.client.call.duration` and `switchyard.balancer.picks`.
 * Subscribed only while a metrics SDK records, so the no-op API costs no message per call.
 */
export function observeCallMetrics(ctx: ObserverContext): Disposable[] {
  return [
    subscribe('callEnd', (message) => {
      if (ctx.observes(message.client)) recordCall(ctx, message);
    }),
    subscribe('pick', (message) => {
      if (ctx.observes(message.client)) recordPick(ctx, message);
    }),
  ];
}

/** Retries, hedges and the retry budget: counted, and a denied retry logged (rate-limited). */
export function observeRetries(ctx: ObserverContext): Disposable[] {
  return [
    subscribe('retry', (message) => {
      if (!ctx.observes(message.client)) return;
      const reason = errorTypeOf(message.error);
      ctx.instruments.retries.add(1, ctx.attributes.nested('retry', message.service, ATTR.retryReason, reason));
    }),
    subscribe('hedge', (message) => {
      if (!ctx.observes(message.client)) return;
      ctx.instruments.retries.add(1, ctx.attributes.nested('retry', message.service, ATTR.retryReason, 'hedge'));
    }),
    subscribe('retryBudgetExhausted', ({ client, service }) => {
      if (!ctx.observes(client)) return;
      ctx.instruments.budgetExhausted.add(1, ctx.attributes.service(service));
      const suppressed = ctx.log.gate(`budget\n${service}`);
      if (suppressed === undefined) return;
      ctx.log.emit(
        SeverityNumber.WARN,
        LOG_EVENT.retryBudgetExhausted,
        `Retry budget for ${service} exhausted: retries are being denied`,
        { [ATTR.service]: service, [ATTR.suppressedLogs]: suppressed },
      );
    }),
  ];
}

/** `error.type` is set for every outcome but success and aborted. */
function recordCall(ctx: ObserverContext, { service, outcome, error, durationMs }: CallEndMessage): void {
  const failed = outcome !== 'success' && outcome !== 'aborted';
  const type = failed ? (outcome === 'timeout' ? ERROR_TYPE_TIMEOUT : errorTypeOrOther(error)) : undefined;
  const key = type === undefined ? outcome : `${outcome}|${type}`;
  const attributes = ctx.attributes.custom('call', service, key, () => {
    const built: Record<string, string> = { [ATTR.service]: service, [ATTR.outcome]: outcome };
    if (type !== undefined) built[ATTR.errorType] = type;
    return built;
  });
  ctx.instruments.callDuration.record(durationMs / 1000, attributes);
}

function errorTypeOrOther(error: unknown): string {
  return error === undefined ? ERROR_TYPE_OTHER : errorTypeOf(error);
}

function recordPick(ctx: ObserverContext, { service, instance, balancer }: PickMessage): void {
  const attributes = ctx.attributes.custom('pick', service, `${instance.id}\n${balancer}`, () => ({
    [ATTR.service]: service,
    [ATTR.instanceId]: instance.id,
    [ATTR.balancer]: balancer,
  }));
  ctx.instruments.picks.add(1, attributes);
}
