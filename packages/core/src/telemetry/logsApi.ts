// The OpenTelemetry Logs API Switchyard logs through. `@opentelemetry/api` 1.10 (SDK 3) carries
// a stable `logs` global; SDK 2 registers its provider on the separate `@opentelemetry/api-logs`
// package instead. Records emitted on the other one are silently dropped, so this resolves, once,
// the one the installed SDK line listens on: the API's own `logs` when it has one, else
// `api-logs` when installed (an optional peer), else nothing (records go nowhere, calls unaffected).
import { createRequire } from 'node:module';
import * as api from '@opentelemetry/api';

/** Severity numbers as the OpenTelemetry log data model fixes them (same values in both APIs). */
export const SeverityNumber = {
  UNSPECIFIED: 0,
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  FATAL: 21,
} as const;
export type SeverityNumber = (typeof SeverityNumber)[keyof typeof SeverityNumber];

/** A log attribute value: what both APIs' `AnyValue` accepts. */
export type LogAttributeValue =
  | string
  | number
  | boolean
  | Uint8Array
  | null
  | undefined
  | readonly LogAttributeValue[]
  | { readonly [key: string]: LogAttributeValue };
export type LogAttributes = Record<string, LogAttributeValue>;

/** The part of a log record Switchyard sets; both APIs' `LogRecord` has these fields. */
export interface LogRecord {
  readonly eventName?: string;
  readonly severityNumber?: number;
  readonly severityText?: string;
  readonly body?: LogAttributeValue;
  readonly attributes?: LogAttributes;
}

/** Structurally both `@opentelemetry/api` 1.10's and `@opentelemetry/api-logs`' `Logger`. */
export interface Logger {
  emit(record: LogRecord): void;
}

/** Structurally both APIs' `LoggerProvider` (and their global `logs` object): pass either. */
export interface LoggerProvider {
  getLogger(name: string, version?: string): Logger;
}

/** The global half of either API's `logs` object. */
export interface GlobalLogs extends LoggerProvider {
  setGlobalLoggerProvider(provider: LoggerProvider): unknown;
  getLoggerProvider(): LoggerProvider;
  disable(): void;
}

/** Which API `logs` is: what a caller (and the docs) can check. */
export type LogsApiSource = '@opentelemetry/api' | '@opentelemetry/api-logs' | 'none';

function isGlobalLogs(value: unknown): value is GlobalLogs {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.getLogger === 'function' &&
    typeof candidate.setGlobalLoggerProvider === 'function' &&
    typeof candidate.getLoggerProvider === 'function' &&
    typeof candidate.disable === 'function'
  );
}

const NOOP_LOGGER: Logger = { emit() {} };
const NOOP_PROVIDER: LoggerProvider = { getLogger: () => NOOP_LOGGER };
const NO_LOGS: GlobalLogs = {
  getLogger: () => NOOP_LOGGER,
  setGlobalLoggerProvider: () => false,
  getLoggerProvider: () => NOOP_PROVIDER,
  disable() {},
};

/**
 * `api-logs` is loaded synchronously (loggers are made in constructors) and relative to this
 * file, so it is the copy installed beside Switchyard. The CommonJS build has `__filename`.
 */
function loadApiLogs(): unknown {
  try {
    const from = typeof __filename === 'string' ? __filename : import.meta.url;
    const loaded = createRequire(from)('@opentelemetry/api-logs') as { logs?: unknown };
    return loaded.logs;
  } catch {
    return undefined;
  }
}

/** Resolves the Logs API; `apiLogs` and `loadFallback` are seams for tests. */
export function resolveLogs(
  apiLogs: unknown = (api as unknown as { readonly logs?: unknown }).logs,
  loadFallback: () => unknown = loadApiLogs,
): { readonly logs: GlobalLogs; readonly source: LogsApiSource } {
  if (isGlobalLogs(apiLogs)) return { logs: apiLogs, source: '@opentelemetry/api' };
  const fallback = loadFallback();
  if (isGlobalLogs(fallback)) return { logs: fallback, source: '@opentelemetry/api-logs' };
  return { logs: NO_LOGS, source: 'none' };
}

const resolved = resolveLogs();

/** The global Logs API the installed SDK registers its logger provider on. */
export const logs: GlobalLogs = resolved.logs;

/** Where `logs` came from. */
export const logsApiSource: LogsApiSource = resolved.source;
