import type { Disposable } from '../common/Disposable.js';
import type { BreakerStateMessage, EjectionMessage } from '../events/messages.js';
import { subscribe } from '../events/subscribe.js';
import { breakerStateValue } from './LiveSources.js';
import { SeverityNumber } from './logsApi.js';
import { ATTR, LOG_EVENT } from './names.js';
import type { ObserverContext } from './ObserverContext.js';

/**
 * Breakers, ejection and bulkheads: `switchyard.circuit_breaker.state` (live breakers per
 * service and state, read at collection), transitions counted and logged (WARN when
 * opening or isolated), ejections counted, gauged and logged (restored once the breaker
 * closes again), bulkhead sizes gauged and refusals counted. Metrics are per service; the
 * instance is named in the log records. A breaker or bulkhead that is disposed leaves the
 * gauges (reported as 0 once, see `DepartedSeries`).
 */
export function observeResilience(ctx: ObserverContext): Disposable[] {
  return [
    subscribe('breakerCreate', ({ client, service, breaker }) => {
      if (!ctx.observes(client)) return;
      readAtCollection(ctx);
      ctx.live.breakers.set(breaker, ctx.live.breakerEntry(service, breaker));
    }),
    subscribe('breakerDispose', ({ client, service, instance, breaker }) => {
      if (!ctx.observes(client)) return;
      ctx.live.breakers.delete(breaker);
      const group = ctx.live.ejected.get(service);
      const key = ejectionKey(client, instance.id);
      group?.ids.delete(key);
      // Gone, not recovered: no "restored" record.
      group?.recovering.delete(key);
    }),
    subscribe('breakerState', (message) => {
      if (ctx.observes(message.client)) recordTransition(ctx, message);
    }),
    subscribe('ejection', (message) => {
      if (ctx.observes(message.client)) recordEjection(ctx, message);
    }),
    subscribe('bulkheadCreate', ({ client, service, bulkhead }) => {
      if (!ctx.observes(client)) return;
      readAtCollection(ctx);
      ctx.live.bulkheads.set(bulkhead, { source: bulkhead, base: ctx.attributes.service(service) });
    }),
    subscribe('bulkheadDispose', ({ client, bulkhead }) => {
      if (ctx.observes(client)) ctx.live.bulkheads.delete(bulkhead);
    }),
    subscribe('bulkheadReject', ({ client, service }) => {
      if (ctx.observes(client)) ctx.instruments.bulkheadRejections.add(1, ctx.attributes.service(service));
    }),
  ];
}

/**
 * A live source is read by the instruments' batch callback, which exists once the
 * instruments do: create them now, or a gauge whose source never records a counter (a
 * bulkhead that never rejects, a breaker that never trips) would never be reported.
 */
export function readAtCollection(ctx: ObserverContext): void {
  void ctx.instruments;
}

function recordTransition(
  ctx: ObserverContext,
  { client, service, instance, breaker, change }: BreakerStateMessage,
): void {
  if (!ctx.live.breakers.has(breaker)) ctx.live.breakers.set(breaker, ctx.live.breakerEntry(service, breaker));
  const key = `${change.from}>${change.to}`;
  const attributes =
    ctx.attributes.lookup('transition', service, key) ??
    ctx.attributes.store('transition', service, key, {
      [ATTR.service]: service,
      [ATTR.breakerPreviousState]: breakerStateValue(change.from),
      [ATTR.breakerState]: breakerStateValue(change.to),
    });
  ctx.instruments.breakerTransitions.add(1, attributes);
  const severe = change.to === 'open' || change.to === 'isolated';
  ctx.log.emit(
    severe ? SeverityNumber.WARN : SeverityNumber.INFO,
    LOG_EVENT.breakerStateChange,
    `Circuit breaker ${service}/${instance.id} ${change.from} -> ${change.to}: ${change.reason}`,
    { ...attributes, [ATTR.instanceId]: instance.id, [ATTR.breakerReason]: change.reason },
  );
  if (change.to === 'closed') recordRestored(ctx, client, service, instance.id, change.reason);
}

/**
 * An ejected instance is restored when its breaker closes again: a probe succeeded (or it
 * was reset). Rejoining the balancing set at half-open only lets probes through, which
 * may still fail, so it is not logged as restored.
 */
function recordRestored(ctx: ObserverContext, client: object, service: string, id: string, reason: string): void {
  const group = ctx.live.ejected.get(service);
  if (group === undefined || !group.recovering.delete(ejectionKey(client, id))) return;
  ctx.log.emit(SeverityNumber.INFO, LOG_EVENT.instanceRestored, `Instance ${service}/${id} restored: ${reason}`, {
    [ATTR.service]: service,
    [ATTR.instanceId]: id,
    [ATTR.ejectionReason]: reason,
  });
}

const clientNumbers = new WeakMap<object, number>();
let lastClientNumber = 0;

/**
 * Each client balances over its own set, so an instance is ejected per client: two clients
 * of a service sharing a telemetry each count and log their own ejection of it, and it
 * stays in the ejected gauge (distinct instances) until every client has let it back.
 */
function ejectionKey(client: object, instanceId: string): string {
  let number = clientNumbers.get(client);
  if (number === undefined) {
    number = ++lastClientNumber;
    clientNumbers.set(client, number);
  }
  return `${number}\n${instanceId}`;
}

/**
 * Repeats are ignored: an instance is ejected once (per client) until it rejoins. Rejoining
 * (half-open, or leaving the registry) only updates the gauge; see `recordRestored`.
 */
function recordEjection(ctx: ObserverContext, { client, service, instance, ejected, reason }: EjectionMessage): void {
  const group = ctx.live.ejectedGroup(service, ctx.attributes.service(service));
  const key = ejectionKey(client, instance.id);
  if (group.ids.has(key) === ejected) return;
  if (!ejected) {
    group.ids.delete(key);
    return;
  }
  group.ids.add(key);
  group.recovering.add(key);
  ctx.instruments.ejections.add(1, group.base);
  ctx.log.emit(
    SeverityNumber.WARN,
    LOG_EVENT.instanceEjected,
    `Instance ${service}/${instance.id} ejected: ${reason}`,
    {
      [ATTR.service]: service,
      [ATTR.instanceId]: instance.id,
      [ATTR.ejectionReason]: reason,
    },
  );
}
