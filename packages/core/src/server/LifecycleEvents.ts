import { errorTypeOf } from '../errors/errorType.js';
import { type Logger, type LoggerProvider, SeverityNumber } from '../telemetry/logsApi.js';
import { ATTR, LOG_EVENT } from '../telemetry/names.js';
import { logRecord } from '../telemetry/TelemetryLogger.js';
import type { HttpServerScope } from './HttpServerTelemetry.js';
import { TelemetryGuard } from './TelemetryGuard.js';

/**
 * A server adapter's lifecycle log records, the same in every adapter:
 * `switchyard.instance.registered` / `.deregistered` (INFO, service and instance id) and
 * `switchyard.lifecycle.error` (WARN, service, `switchyard.lifecycle.phase`, `error.type`),
 * under the adapter's scope. Emitting never throws.
 */
export class LifecycleEvents {
  private readonly guard = new TelemetryGuard('lifecycle log record');
  private logger: Logger | undefined;

  /** `provider` undefined: emit nothing (the adapter's telemetry is off). */
  constructor(
    private readonly scope: HttpServerScope,
    private readonly provider: LoggerProvider | undefined,
  ) {}

  registered(service: string, id: string): void {
    this.emit(SeverityNumber.INFO, LOG_EVENT.instanceRegistered, `Registered ${service} instance ${id}`, {
      [ATTR.service]: service,
      [ATTR.instanceId]: id,
    });
  }

  deregistered(service: string, id: string): void {
    this.emit(SeverityNumber.INFO, LOG_EVENT.instanceDeregistered, `Deregistered ${service} instance ${id}`, {
      [ATTR.service]: service,
      [ATTR.instanceId]: id,
    });
  }

  /** `phase`: the step that failed (`register`, `deregister`, `close`, ...); `service` undefined when none registers. */
  failed(service: string | undefined, phase: string, error: unknown, body: string): void {
    this.emit(SeverityNumber.WARN, LOG_EVENT.lifecycleError, body, {
      ...(service === undefined ? {} : { [ATTR.service]: service }),
      [ATTR.lifecyclePhase]: phase,
      [ATTR.errorType]: errorTypeOf(error),
    });
  }

  private emit(severityNumber: SeverityNumber, eventName: string, body: string, attributes: Record<string, string>) {
    const provider = this.provider;
    if (provider === undefined) return;
    // Telemetry must not fail the lifecycle step it reports on (a throwing log processor).
    this.guard.run(
      () => {
        this.logger ??= provider.getLogger(this.scope.name, this.scope.version);
        // Body and attributes scrubbed as every Switchyard record is, whoever built them.
        this.logger.emit(logRecord(severityNumber, eventName, body, attributes));
      },
      () => undefined,
    );
  }
}
