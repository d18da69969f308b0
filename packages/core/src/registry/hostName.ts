import { isIP } from 'node:net';

/** What `createInstance` accepts as a host, for error messages and docs. */
export const HOST_ALLOWED =
  'a DNS name (letters, digits and "-" in dot-separated labels of 1 to 63, at most 253 in all), ' +
  'an IPv4 address (1.2.3.4) or an IPv6 address without brackets or zone (::1)';

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** A last label the URL parser reads as a number (`1.2.3`, `0x7f`): not a name, and not a valid IPv4 either. */
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|[0-9]+)$/i;

/**
 * Whether `host` is something an HTTP request can be sent to as-is: an RFC 1123 host
 * name, an IPv4 literal or an IPv6 literal. Brackets are URL syntax (Switchyard adds
 * them), and a zone id (`fe80::1%eth0`) has no portable URL form, so both are refused.
 * Anything else (`a b`, `x/y`, `x#y`, `user@h`, `h:8080`, `http://x`) would change or
 * break the URL it is put in.
 */
export function isHostName(host: string): boolean {
  const ip = isIP(host);
  if (ip === 4) return true;
  if (ip === 6) return !host.includes('%');
  if (host.length === 0 || host.length > 253) return false;
  const labels = host.split('.');
  if (!labels.every((label) => LABEL.test(label))) return false;
  return !NUMERIC_LABEL.test(labels[labels.length - 1] as string);
}
