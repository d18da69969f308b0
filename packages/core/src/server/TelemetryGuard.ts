import { diag } from '@opentelemetry/api';

/**
 * Runs the server path's OpenTelemetry calls (span start and end, histogram records, log
 * records) so that a throwing span processor, instrument or log processor never changes
 * the request: the failure is swallowed and reported once through `diag`, per guard.
 */
export class TelemetryGuard {
  private reported = false;

  constructor(private readonly what: string) {}

  /** `fn()`, or `fallback()` when it throws. */
  run<T>(fn: () => T, fallback: () => T): T {
    try {
      return fn();
    } catch (error) {
      this.report(error);
      return fallback();
    }
  }

  /** Reports `error` through `diag` the first time only: a broken exporter must not flood the log. */
  report(error: unknown): void {
    if (this.reported) return;
    this.reported = true;
    try {
      diag.warn(`Switchyard ${this.what} failed and was skipped (reported once)`, error);
    } catch {
      // Even the diag logger may throw; nothing is left to tell.
    }
  }
}
