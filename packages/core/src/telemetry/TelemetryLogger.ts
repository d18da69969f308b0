import { diag } from '@opentelemetry/api';
import type { Clock } from '../common/Clock.js';
import { redactText } from '../common/redact.js';
import { type LogAttributes, type Logger, type LoggerProvider, type LogRecord, SeverityNumber } from './logsApi.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './names.js';
import { setBounded } from './setBounded.js';

/** `attributes` with every string value scrubbed; the same object when nothing changed. */
function redactAttributes(attributes: LogAttributes): LogAttributes {
  let scrubbed: LogAttributes | undefined;
  for (const key in attributes) {
    const value = attributes[key];
    if (typeof value !== 'string') continue;
    const redacted = redactText(value);
    if (redacted !== value) {
      scrubbed ??= { ...attributes };
      scrubbed[key] = redacted;
    }
  }
  return scrubbed ?? attributes;
}

/**
 * A Switchyard log record, scrubbed once for every emitter: bodies and attributes quote
 * error messages, names and ids.
 */
export function logRecord(
  severityNumber: SeverityNumber,
  eventName: string,
  body: string,
  attributes: LogAttributes,
): LogRecord {
  return {
    eventName,
    severityNumber,
    severityText: severityNumber >= SeverityNumber.WARN ? 'WARN' : 'INFO',
    body: redactText(body),
    attributes: redactAttributes(attributes),
  };
}

/** Emits Switchyard's structured log records, and rate-limits the frequent kinds. */
export class TelemetryLogger {
  private logger: Logger | undefined;
  private readonly gates = new Map<string, { last: number; suppressed: number }>();

  constructor(
    private readonly provider: LoggerProvider,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** One record with `eventName` set; a failing SDK is reported through `diag`, never thrown. */
  emit(severityNumber: SeverityNumber, eventName: string, body: string, attributes: LogAttributes): void {
    try {
      this.logger ??= this.provider.getLogger(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
      this.logger.emit(logRecord(severityNumber, eventName, body, attributes));
    } catch (error) {
      // Telemetry must never break the call that reports it.
      diag.warn('Switchyard could not emit a log record', error);
    }
  }

  /**
   * Whether a record of kind `key` may go out now: returns how many were held back since
   * the last one, or undefined to hold this one back too (at most one per interval).
   */
  gate(key: string): number | undefined {
    const now = this.clock.now();
    const state = this.gates.get(key);
    if (state === undefined) {
      setBounded(this.gates, key, { last: now, suppressed: 0 });
      return 0;
    }
    if (now - state.last < this.intervalMs) {
      state.suppressed++;
      return undefined;
    }
    const suppressed = state.suppressed;
    state.last = now;
    state.suppressed = 0;
    return suppressed;
  }
}
