import type { LoggerService } from '@nestjs/common';
import type { EventLog } from './eventLog.js';

/** Nest's logger for the pricing apps: warnings and errors go to the dashboard's event log, chatter nowhere. */
export class EventLogger implements LoggerService {
  constructor(private readonly events: EventLog) {}

  log(): void {}

  warn(message: unknown): void {
    this.events.add(`nest warn: ${String(message)}`);
  }

  error(message: unknown): void {
    this.events.add(`nest error: ${String(message)}`);
  }
}
