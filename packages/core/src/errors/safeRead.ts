import { redactText } from '../common/redact.js';

// Reading an unknown error must never throw: a getter, a Proxy trap or a revoked Proxy
// that throws is treated as if the property were absent, so classification and
// telemetry cannot replace the caller's error with their own.

/** `value[key]`, or undefined when `value` is not an object (or function) or reading it throws. */
export function readProperty(value: unknown, key: PropertyKey): unknown {
  if ((typeof value !== 'object' || value === null) && typeof value !== 'function') return undefined;
  try {
    return (value as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** `value instanceof type`, false where it would throw (a Proxy's `getPrototypeOf` trap, a throwing `Symbol.hasInstance`). */
export function isInstanceOf(value: unknown, type: abstract new (...args: never[]) => unknown): boolean {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

/** The error's `message` when it is a string, else `''`. */
export function errorMessage(value: unknown): string {
  const message = readProperty(value, 'message');
  return typeof message === 'string' ? message : '';
}

/**
 * `error.message` for an `Error`, else `String(value)`: the usual log text, without the
 * usual throws, and with secrets (URL credentials, tokens) redacted, since it goes into
 * messages Switchyard builds.
 */
export function errorText(value: unknown): string {
  if (isInstanceOf(value, Error)) return redactText(errorMessage(value));
  try {
    return redactText(String(value));
  } catch {
    return '';
  }
}

/**
 * A plain `{ code, name, message, stack }` copy of an error, for code that reads them all
 * (OpenTelemetry's `span.recordException`). Absent, throwing or odd fields are left out.
 */
export function errorSnapshot(value: unknown): {
  code?: string | number;
  name?: string;
  message: string;
  stack?: string;
} {
  const code = readProperty(value, 'code');
  const name = readProperty(value, 'name');
  const stack = readProperty(value, 'stack');
  return {
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof name === 'string' ? { name } : {}),
    message: errorMessage(value),
    ...(typeof stack === 'string' ? { stack } : {}),
  };
}

/** Text for a warning or a log line, secrets redacted: the stack, else the message, else `String(value)`, else a placeholder. */
export function describeError(value: unknown): string {
  const stack = readProperty(value, 'stack');
  if (typeof stack === 'string') return redactText(stack);
  const message = errorMessage(value);
  if (message !== '') return redactText(message);
  try {
    return redactText(String(value));
  } catch {
    return '(an error that cannot be described)';
  }
}
