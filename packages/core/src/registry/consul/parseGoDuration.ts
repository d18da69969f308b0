import { ConfigError } from '../../errors/ConfigError.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Milliseconds in a Go duration string (`"10s"`, `"1m30s"`, `"250ms"`), the format
 * Consul's API takes, or `undefined` when `text` is not one. Signs are refused: no
 * Consul interval, timeout or TTL is negative.
 */
export function goDurationMs(text: string): number | undefined {
  if (text === '0') return 0;
  if (text.length === 0) return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (match === null) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  }
  return total;
}

/**
 * A positive Go duration option, returned unchanged (Consul parses it) with its length in
 * ms. Throws a ConfigError naming `option` for anything else (`"10 parsecs"`, `"0s"`, 10).
 */
export function goDuration(
  option: string,
  value: unknown,
  maxMs = Number.POSITIVE_INFINITY,
): { text: string; ms: number } {
  const ms = typeof value === 'string' ? goDurationMs(value) : undefined;
  if (ms === undefined || !(ms > 0) || ms > maxMs) {
    const limit = maxMs === Number.POSITIVE_INFINITY ? '' : ` up to ${maxMs} ms`;
    throw new ConfigError(option, `a positive Go duration such as "10s", "1m30s" or "500ms"${limit}`, value);
  }
  return { text: value as string, ms };
}
