import type { Disposable } from '../common/Disposable.js';
import { redactSecrets } from '../common/redact.js';
import { errorTypeOf } from '../errors/errorType.js';
import { errorMessage, isInstanceOf } from '../errors/safeRead.js';
import type { RegistryErrorMessage } from '../events/messages.js';
import { subscribe } from '../events/subscribe.js';
import { SeverityNumber } from './logsApi.js';
import { ATTR, LOG_EVENT } from './names.js';
import type { ObserverContext } from './ObserverContext.js';
import { readAtCollection } from './ResilienceObserver.js';

/**
 * Registries: what each knows of a service (instances by health, stale, seconds since
 * confirmed; read at collection from the last published state), how long updates take,
 * and failed refreshes, counted and logged (WARN, rate-limited per registry and service).
 */
export function observeDiscovery(ctx: ObserverContext): Disposable[] {
  return [
    subscribe('registrySnapshot', ({ registry, service, snapshot }) => {
      if (!ctx.observesRegistry(registry)) return;
      readAtCollection(ctx);
      const entry = ctx.live.registryEntry(registry.name, service);
      entry.state = snapshot;
      entry.owner = registry;
    }),
    subscribe('registryRefresh', ({ registry, service, durationMs }) => {
      if (!ctx.observesRegistry(registry)) return;
      const entry = ctx.live.registryEntry(registry.name, service);
      ctx.instruments.registryUpdateDuration.record(durationMs / 1000, entry.base);
    }),
    subscribe('registryError', (message) => {
      if (ctx.observesRegistry(message.registry)) recordWatchError(ctx, message);
    }),
    subscribe('registryClose', ({ registry }) => {
      // Only its own views: another registry of the same name may still be open.
      if (ctx.observesRegistry(registry)) ctx.live.forgetRegistry(registry);
    }),
  ];
}

/** The log carries the error type and a scrubbed message, never headers or tokens. */
function recordWatchError(ctx: ObserverContext, { registry, service, error }: RegistryErrorMessage): void {
  const entry = ctx.live.registryEntry(registry.name, service);
  const type = errorTypeOf(error);
  ctx.instruments.watchErrors.add(1, { ...entry.base, [ATTR.errorType]: type });
  const suppressed = ctx.log.gate(`watch\n${registry.name}\n${service}`);
  if (suppressed === undefined) return;
  const message = isInstanceOf(error, Error) ? redactSecrets(errorMessage(error)) : '';
  ctx.log.emit(
    SeverityNumber.WARN,
    LOG_EVENT.registryWatchError,
    `Registry ${registry.name} could not refresh ${service} (${type})${message === '' ? '' : `: ${message}`}`,
    {
      [ATTR.registry]: registry.name,
      [ATTR.service]: service,
      [ATTR.errorType]: type,
      [ATTR.exceptionMessage]: message,
      [ATTR.suppressedLogs]: suppressed,
    },
  );
}
