import { parseArgs } from 'node:util';
import { BALANCER_NAMES, type BalancerName, ConfigError } from '@switchyard/core';
import type { DiscoveryOptions } from './discovery.js';

export interface ShopOptions {
  /** Checkouts the load generator sends. */
  readonly requests: number;
  /** Checkouts per second. */
  readonly rate: number;
  /** Balancer of the gateway's calls to catalog and pricing (cart is always consistent-hash by user). */
  readonly balancer: BalancerName;
  readonly discovery: DiscoveryOptions;
  /** Prometheus scrape port on 127.0.0.1; 0 picks a free one. */
  readonly metricsPort: number;
}

// Consistent hashing needs a key; catalog and pricing calls have none worth hashing.
const GATEWAY_BALANCERS = BALANCER_NAMES.filter((name) => name !== 'consistent-hash');

export const HELP = `Usage: npm run demo -- [options]

A small shop of services (gateway, catalog, pricing, cart; Express and NestJS) calling each
other through Switchyard on 127.0.0.1, under a paced load, with a live dashboard.

  --requests <n>        checkouts to send after 50 warm-up ones, 1..100000 (default 1500)
  --rate <n>            checkouts per second, 1..20000 (default 150)
  --balancer <name>     gateway → catalog and pricing: ${GATEWAY_BALANCERS.join(' | ')}
                        (default peak-ewma; cart is always consistent-hash by user)
  --registry <kind>     static (default: in-process, nothing to install) | consul
  --consul-url <url>    Consul agent for --registry consul (default http://127.0.0.1:8500)
  --metrics-port <n>    Prometheus scrape port on 127.0.0.1, 0 for any free one (default 9464)
  --help                this text

Exit code: 0 when the callers saw no error, 1 otherwise, 2 for a bad flag, 130 after Ctrl-C
(which stops the load and shuts the shop down gracefully).
`;

/** Parses the flags; undefined means --help. Bad flags throw a ConfigError naming the flag. */
export function parseOptions(argv: readonly string[]): ShopOptions | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        requests: { type: 'string', default: '1500' },
        rate: { type: 'string', default: '150' },
        balancer: { type: 'string', default: 'peak-ewma' },
        registry: { type: 'string', default: 'static' },
        'consul-url': { type: 'string' },
        'metrics-port': { type: 'string', default: '9464' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw flagError(error);
  }
  if (values.help === true) return undefined;

  const balancer = String(values.balancer);
  if (!(GATEWAY_BALANCERS as readonly string[]).includes(balancer)) {
    throw new ConfigError('--balancer', `one of ${GATEWAY_BALANCERS.join(', ')}`, balancer);
  }
  const registry = String(values.registry);
  if (registry !== 'static' && registry !== 'consul') {
    throw new ConfigError('--registry', 'static or consul', registry);
  }
  const consulUrl = values['consul-url'];
  if (consulUrl !== undefined && registry !== 'consul') {
    throw new ConfigError('--consul-url', 'only together with --registry consul', consulUrl);
  }
  return {
    requests: intFlag('--requests', values.requests, 1, 100_000),
    rate: intFlag('--rate', values.rate, 1, 20_000),
    balancer: balancer as BalancerName,
    discovery:
      registry === 'static'
        ? { kind: 'static' }
        : { kind: 'consul', url: urlFlag('--consul-url', String(consulUrl ?? 'http://127.0.0.1:8500')) },
    metricsPort: intFlag('--metrics-port', values['metrics-port'], 0, 65_535),
  };
}

/** node:util's parse errors as ConfigErrors naming the flag ("Unknown option '--rat'", "Option '--rate <value>' argument missing"). */
function flagError(error: unknown): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : '';
  const quoted = /'([^' ]+)/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new ConfigError(quoted, 'one of the flags listed by --help', quoted);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return message.includes('does not take')
        ? new ConfigError(quoted, 'the flag alone', 'a value')
        : new ConfigError(quoted, 'a value after the flag', undefined);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new ConfigError('arguments', 'only --flags', quoted);
    default:
      return error;
  }
}

function intFlag(name: string, raw: unknown, min: number, max: number): number {
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  }
  return value;
}

function urlFlag(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'an http:// or https:// URL such as http://127.0.0.1:8500', raw);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search !== '') {
    throw new ConfigError(name, 'an http:// or https:// URL such as http://127.0.0.1:8500', raw);
  }
  return url;
}
