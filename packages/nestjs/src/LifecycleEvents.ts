import { type LoggerProvider, SeverityNumber } from '@opentelemetry/api-logs';
import { TELEMETRY_ATTRIBUTES as ATTR, TELEMETRY_LOG_EVENTS as EVENTS, errorTypeOf } from '@switchyard/core';
import { SERVER_INSTRUMENTATION_SCOPE, SERVER_INSTRUMENTATION_VERSION } from './serverNames.js';

/** The lifecycle step a registry failure happened in (`switchyard.lifecycle.phase`). */
export type LifecyclePhase = 'register' | 'deregister' | 'close';

/**
 * Lifecycle log records through OpenTelemetry, with the event names and attributes the
 * Express adapter uses: `switchyard.instance.registered` / `.deregistered` (INFO) and
 * `switchyard.lifecycle.error` (WARN). Emitting never throws.
 */
export class LifecycleEvents {
  /** `provider` undefined: emit nothing (`telemetry: false`). */
  constructor(private readonly provider: LoggerProvider | undefined) {}

  registered(service: string, id: string): void {
    this.emit(SeverityNumber.INFO, EVENTS.instanceRegistered, `Registered ${service} instance ${id}`, {
      [ATTR.service]: service,
      [ATTR.instanceId]: id,
    });
  }

  deregistered(service: string, id: string): void {
    this.emit(SeverityNumber.INFO, EVENTS.instanceDeregistered, `Deregistered ${service} instance ${id}`, {
      [ATTR.service]: service,
      [ATTR.instanceId]: id,
    });
  }

  /** `service` is undefined when the application does not register (closing the registry failed). */
  failed(service: string | undefined, phase: LifecyclePhase, error: unknown, body: string): void {
    this.emit(SeverityNumber.WARN, EVENTS.lifecycleError, body, {
      ...(service === undefined ? {} : { [ATTR.service]: service }),
      [ATTR.lifecyclePhase]: phase,
      [ATTR.errorType]: errorTypeOf(error),
    });
  }

  private emit(severityNumber: SeverityNumber, eventName: string, body: string, attributes: Record<string, string>) {
    if (this.provider === undefined) return;
    try {
      this.provider.getLogger(SERVER_INSTRUMENTATION_SCOPE, SERVER_INSTRUMENTATION_VERSION).emit({
        eventName,
        severityNumber,
        severityText: severityNumber >= SeverityNumber.WARN ? 'WARN' : 'INFO',
        body,
        attributes,
      });
    } catch {
      // Telemetry must not fail the lifecycle step it reports on.
    }
  }
}
