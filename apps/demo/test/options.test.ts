// Flags: defaults, every flag parsed, and bad ones refused with a ConfigError naming the flag.
import { ConfigError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../src/options.js';

function refusal(argv: string[]): ConfigError {
  try {
    parseOptions(argv);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('parseOptions', () => {
  it('has defaults that run the static shop', () => {
    expect(parseOptions([])).toEqual({
      requests: 1500,
      rate: 150,
      balancer: 'peak-ewma',
      discovery: { kind: 'static' },
      metricsPort: 9464,
    });
  });

  it('parses every flag', () => {
    expect(
      parseOptions([
        '--requests=200',
        '--rate',
        '50',
        '--balancer',
        'round-robin',
        '--registry',
        'consul',
        '--consul-url',
        'http://127.0.0.1:18500',
        '--metrics-port',
        '0',
      ]),
    ).toEqual({
      requests: 200,
      rate: 50,
      balancer: 'round-robin',
      discovery: { kind: 'consul', url: new URL('http://127.0.0.1:18500') },
      metricsPort: 0,
    });
    expect(parseOptions(['--registry', 'consul'])?.discovery).toEqual({
      kind: 'consul',
      url: new URL('http://127.0.0.1:8500'),
    });
    expect(parseOptions(['--help'])).toBeUndefined();
  });

  it.each([
    [['--requests', '0'], '--requests'],
    [['--requests', '1.5'], '--requests'],
    [['--rate', 'fast'], '--rate'],
    [['--rate', ''], '--rate'],
    [['--balancer', 'consistent-hash'], '--balancer'],
    [['--balancer', 'fastest'], '--balancer'],
    [['--registry', 'etcd'], '--registry'],
    [['--consul-url', 'http://127.0.0.1:8500'], '--consul-url'],
    [['--registry', 'consul', '--consul-url', 'ftp://127.0.0.1'], '--consul-url'],
    [['--registry', 'consul', '--consul-url', 'not a url'], '--consul-url'],
    [['--metrics-port', '70000'], '--metrics-port'],
    [['--rat', '5'], '--rat'],
    [['--rate'], '--rate'],
    [['extra'], 'arguments'],
  ])('refuses %j naming %s', (argv, flag) => {
    const error = refusal(argv);
    expect(error.option).toBe(flag);
    expect(error.message).toContain(flag);
  });
});
