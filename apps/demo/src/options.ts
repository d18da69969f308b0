import { parseArgs } from 'node:util';
import { BALANCER_NAMES, type BalancerName, ConfigError } from '@switchyard/core';

export interface DemoOptions {
  readonly balancer: BalancerName;
  readonly requests: number;
  readonly concurrency: number;
  readonly instances: number;
  readonly metricsPort: number;
  readonly rate: number;
}

const HELP = `Usage: npm run demo -- [options]

  --balancer <name>     ${BALANCER_NAMES.join(' | ')} (default peak-ewma)
  --requests <n>        total requests to send, 1..100000 (default 4000)
  --rate <n>            requests per second at most, 1..20000 (default 800)
  --concurrency <n>     requests in flight, 1..256 (default 16)
  --instances <n>       toy instances to start, 3..20 (default 5)
  --metrics-port <n>    Prometheus scrape port on 127.0.0.1, 0 for any free one (default 9464)
  --help                this text
`;

/** Parses the demo's flags; bad values throw ConfigError naming the flag. */
export function parseOptions(argv: readonly string[]): DemoOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      balancer: { type: 'string', default: 'peak-ewma' },
      requests: { type: 'string', default: '4000' },
      rate: { type: 'string', default: '800' },
      concurrency: { type: 'string', default: '16' },
      instances: { type: 'string', default: '5' },
      'metrics-port': { type: 'string', default: '9464' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  if (!(BALANCER_NAMES as readonly string[]).includes(values.balancer)) {
    throw new ConfigError('--balancer', `one of ${BALANCER_NAMES.join(', ')}`, values.balancer);
  }
  return {
    balancer: values.balancer as BalancerName,
    requests: intFlag('--requests', values.requests, 1, 100_000),
    concurrency: intFlag('--concurrency', values.concurrency, 1, 256),
    instances: intFlag('--instances', values.instances, 3, 20),
    rate: intFlag('--rate', values.rate, 1, 20_000),
    metricsPort: intFlag('--metrics-port', values['metrics-port'], 0, 65535),
  };
}

function intFlag(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  }
  return value;
}
