import type { Attributes } from '@opentelemetry/api';
import type { Disposable } from '../common/Disposable.js';
import { errorTypeOf } from '../errors/errorType.js';
import type { CallEndMessage, PickMessage } from '../events/messages.js';
import { subscribe } from '../events/subscribe.js';
import { SeverityNumber } from './logsApi.js';
import { ATTR, ERROR_TYPE_OTHER, ERROR_TYPE_TIMEOUT, LOG_EVENT } from './names.js';
import type { ObserverContext } from './ObserverContext.js';
import { setBounded } from './setBounded.js';

/**
 * Calls on every request: `switchyard.client.call.duration` and `switchyard.balancer.picks`.
 * Subscribed only while a metrics SDK records, so the no-op API costs no message per call.
 */
export function observeCallMetrics(ctx: ObserverContext): Disposable[] {
  // Subscribed once the instruments exist; they live as long as these subscriptions.
  const { callDuration } = ctx.instruments;
  return [
    subscribe('callEnd', (message) => {
      if (ctx.observes(message.client)) callDuration.record(message.durationMs / 1000, callAttributes(ctx, message));
    }),
    subscribe('pick', (message) => {
      if (ctx.observes(message.client)) countPick(ctx, message);
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
function callAttributes(ctx: ObserverContext, { service, outcome, error }: CallEndMessage): Attributes {
  const failed = outcome !== 'success' && outcome !== 'aborted';
  const type = failed ? (outcome === 'timeout' ? ERROR_TYPE_TIMEOUT : errorTypeOrOther(error)) : undefined;
  const key = type === undefined ? outcome : `${outcome}|${type}`;
  let attributes = ctx.attributes.lookup('call', service, key);
  if (attributes === undefined) {
    const built: Record<string, string> = { [ATTR.service]: service, [ATTR.outcome]: outcome };
    if (type !== undefined) built[ATTR.errorType] = type;
    attributes = ctx.attributes.store('call', service, key, built);
  }
  return attributes;
}

function errorTypeOrOther(error: unknown): string {
  return error === undefined ? ERROR_TYPE_OTHER : errorTypeOf(error);
}

/**
 * Counted in memory and read at collection, per service and balancer: per instance, the
 * series would grow with every instance ever picked (see `LiveSources`).
 */
function countPick(ctx: ObserverContext, { service, balancer }: PickMessage): void {
  let byBalancer = ctx.live.picks.get(service);
  if (byBalancer === undefined) {
    byBalancer = new Map();
    setBounded(ctx.live.picks, service, byBalancer);
  }
  const tally = byBalancer.get(balancer);
  if (tally !== undefined) {
    tally.count++;
    return;
  }
  const attributes = Object.freeze({ [ATTR.service]: service, [ATTR.balancer]: balancer });
  setBounded(byBalancer, balancer, { attributes, count: 1 });
}
