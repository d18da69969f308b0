import type { Disposable } from '../common/Disposable.js';
import type { BreakerStateMessage, EjectionMessage } from '../events/messages.js';
import { subscribe } from '../events/subscribe.js';
import { breakerStateValue } from './LiveSources.js';
import { SeverityNumber } from './logsApi.js';
import { ATTR, LOG_EVENT } from './names.js';
import type { ObserverContext } from './ObserverContext.js';

/**
 * Breakers, ejection and bulkheads: `switchyard.circuit_breaker.state` (one series per
 * state, read at collection) for each live breaker, transitions counted and logged (WARN
 * when opening or isolated), ejections counted, gauged and logged, bulkhead sizes
 * gauged and refusals counted. A breaker or bulkhead that is disposed leaves the gauges.
 */
export function observeResilience(ctx: ObserverContext): Disposable[] {
  return [
    subscribe('breakerCreate', ({ client, service, instance, breaker }) => {
      if (!ctx.observes(client)) return;
      readAtCollection(ctx);
      ctx.live.breakers.set(breaker, ctx.live.breakerEntry(service, instance.id, breaker));
    }),
    subscribe('breakerDispose', ({ client, service, instance, breaker }) => {
      if (!ctx.observes(client)) return;
      ctx.live.breakers.delete(breaker);
      ctx.live.ejected.get(service)?.ids.delete(ejectionKey(client, instance.id));
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

function recordTransition(ctx: ObserverContext, { service, instance, breaker, change }: BreakerStateMessage): void {
  let entry = ctx.live.breakers.get(breaker);
  if (entry === undefined) {
    entry = ctx.live.breakerEntry(service, instance.id, breaker);
    ctx.live.breakers.set(breaker, entry);
  }
  const key = `${change.from}>${change.to}`;
  let attributes = entry.transitions.get(key);
  if (attributes === undefined) {
    attributes = Object.freeze({
      ...entry.base,
      [ATTR.breakerPreviousState]: breakerStateValue(change.from),
      [ATTR.breakerState]: breakerStateValue(change.to),
    });
    entry.transitions.set(key, attributes);
  }
  ctx.instruments.breakerTransitions.add(1, attributes);
  const severe = change.to === 'open' || change.to === 'isolated';
  ctx.log.emit(
    severe ? SeverityNumber.WARN : SeverityNumber.INFO,
    LOG_EVENT.breakerStateChange,
    `Circuit breaker ${service}/${instance.id} ${change.from} -> ${change.to}: ${change.reason}`,
    { ...attributes, [ATTR.breakerReason]: change.reason },
  );
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

/** Repeats are ignored: an instance is ejected once (per client) until it rejoins. */
function recordEjection(ctx: ObserverContext, { client, service, instance, ejected, reason }: EjectionMessage): void {
  let group = ctx.live.ejected.get(service);
  if (group === undefined) {
    group = { base: ctx.attributes.service(service), ids: new Set() };
    ctx.live.ejected.set(service, group);
  }
  const key = ejectionKey(client, instance.id);
  if (group.ids.has(key) === ejected) return;
  const attributes = { [ATTR.service]: service, [ATTR.instanceId]: instance.id };
  if (ejected) {
    group.ids.add(key);
    ctx.instruments.ejections.add(1, attributes);
  } else {
    group.ids.delete(key);
  }
  ctx.log.emit(
    ejected ? SeverityNumber.WARN : SeverityNumber.INFO,
    ejected ? LOG_EVENT.instanceEjected : LOG_EVENT.instanceRestored,
    `Instance ${service}/${instance.id} ${ejected ? 'ejected' : 'restored'}: ${reason}`,
    { ...attributes, [ATTR.ejectionReason]: reason },
  );
}
