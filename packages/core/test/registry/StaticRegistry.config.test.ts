import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ConfigError, StaticRegistry } from '@switchyard/core';
import { isConfigError } from '@switchyard/core/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configErrorOf } from '../../../../test/support/configError.js';

/** Runs `attempt` and returns the ConfigError it throws (failing the test otherwise). */

describe('StaticRegistry config validation', () => {
  it.each([
    ['not an object', 'cart', 'config', 'an object'],
    ['null', null, 'config', 'an object'],
    ['services missing', {}, 'services', 'an object'],
    ['services an array', { services: [] }, 'services', 'an object'],
    ['an unknown top-level key', { services: {}, servces: {} }, 'config.servces', 'no such option (allowed: services)'],
    ['empty service name', { services: { '': [] } }, 'services[""]', 'a non-empty service name'],
    ['blank service name', { services: { '  ': [] } }, 'services["  "]', 'a non-empty service name'],
    [
      'instances not an array',
      { services: { cart: { host: 'h', port: 1 } } },
      'services.cart',
      'an array of instances',
    ],
    [
      'an instance not an object',
      { services: { cart: [{ host: 'h', port: 1 }, 'h:2'] } },
      'services.cart[1]',
      'an object',
    ],
    [
      'port out of range',
      {
        services: {
          cart: [
            { host: 'h', port: 1 },
            { host: 'h', port: 70000 },
          ],
        },
      },
      'services.cart[1].port',
      'an integer from 1 to 65535',
    ],
    [
      'negative weight',
      { services: { cart: [{ host: 'h', port: 1, weight: -1 }] } },
      'services.cart[0].weight',
      'a finite number >= 0',
    ],
    [
      'empty host',
      { services: { cart: [{ host: '', port: 1 }] } },
      'services.cart[0].host',
      'a DNS name (letters, digits and "-" in dot-separated labels of 1 to 63, at most 253 in all), an IPv4 address (1.2.3.4) or an IPv6 address without brackets or zone (::1)',
    ],
    [
      'unknown health',
      { services: { cart: [{ host: 'h', port: 1, health: 'ok' }] } },
      'services.cart[0].health',
      'one of "passing", "warning", "critical"',
    ],
    [
      'a mistyped instance key',
      { services: { cart: [{ host: 'h', port: 1, wieght: 2 }] } },
      'services.cart[0].wieght',
      'no such option (allowed: id, service, host, port, weight, tags, meta, zone, health)',
    ],
    [
      'a service field naming another service',
      { services: { cart: [{ service: 'orders', host: 'h', port: 1 }] } },
      'services.cart[0].service',
      '"cart" or omitted',
    ],
    [
      'duplicate explicit ids in a service',
      {
        services: {
          cart: [
            { id: 'a', host: 'h', port: 1 },
            { id: 'a', host: 'h', port: 2 },
          ],
        },
      },
      'services.cart[1].id',
      'an instance id not already used (services.cart[0] has it)',
    ],
    [
      'duplicate default ids (same host:port twice)',
      {
        services: {
          cart: [
            { host: 'h', port: 1 },
            { host: 'h', port: 1, weight: 2 },
          ],
        },
      },
      'services.cart[1].id',
      'an instance id not already used (services.cart[0] has it)',
    ],
    [
      'the same id in two services',
      { services: { cart: [{ id: 'x', host: 'h', port: 1 }], orders: [{ id: 'x', host: 'h', port: 2 }] } },
      'services.orders[0].id',
      'an instance id not already used (services.cart[0] has it)',
    ],
  ])('rejects %s', (_name, config, option, allowed) => {
    const error = configErrorOf(() => new StaticRegistry(config as never));
    expect(error.option).toBe(option);
    expect(error.allowed).toBe(allowed);
    expect(error.message).toContain(`Invalid option "${option}"`);
  });

  it('accepts an empty services map and empty instance lists', async () => {
    const registry = new StaticRegistry({ services: { cart: [] } });
    expect(await registry.resolve('cart')).toMatchObject({ instances: [], version: 0 });
    expect(await new StaticRegistry().resolve('cart')).toMatchObject({ instances: [], version: 0 });
  });
});

describe('StaticRegistry.fromFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-static-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, contents: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, contents, 'utf8');
    return path;
  }

  it('reads a JSON config file', async () => {
    const path = await file(
      'services.json',
      JSON.stringify({
        services: {
          cart: [
            { id: 'cart-a', host: '127.0.0.1', port: 3001, zone: 'a' },
            { id: 'cart-b', host: '127.0.0.1', port: 3002, zone: 'b', health: 'critical' },
          ],
        },
      }),
    );
    const registry = await StaticRegistry.fromFile(path);
    const snapshot = await registry.resolve('cart');
    expect(snapshot.instances.map((i) => `${i.id}@${i.port}`)).toEqual(['cart-a@3001']);
    expect(snapshot.version).toBe(1);
  });

  it('accepts a file URL and a byte-order mark', async () => {
    const path = await file('bom.json', `\uFEFF${JSON.stringify({ services: { cart: [{ host: 'h', port: 1 }] } })}`);
    const registry = await StaticRegistry.fromFile(pathToFileURL(path));
    expect((await registry.resolve('cart')).instances).toHaveLength(1);
  });

  it('rejects a missing file with a ConfigError naming the path', async () => {
    const path = join(dir, 'missing.json');
    const error = await StaticRegistry.fromFile(path).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ option: 'file', received: path });
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/ENOENT/);
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('rejects unparsable JSON with a ConfigError naming the path', async () => {
    const path = await file('broken.json', '{ "services": { "cart": [ }');
    const error = await StaticRegistry.fromFile(path).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ option: 'file', received: path });
    expect((error as ConfigError).allowed).toMatch(/^valid JSON \(/);
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it('rejects bad contents with the option inside the file and the path in the message', async () => {
    const path = await file('bad-port.json', JSON.stringify({ services: { cart: [{ host: 'h', port: 0 }] } }));
    const error = await StaticRegistry.fromFile(path).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect((error as ConfigError).option).toBe('services.cart[0].port');
    expect((error as Error).message).toBe(
      `${path}: Invalid option "services.cart[0].port": expected an integer from 1 to 65535, received 0`,
    );
  });

  it('rejects a file that is valid JSON but not an object', async () => {
    const path = await file('array.json', '[]');
    await expect(StaticRegistry.fromFile(path)).rejects.toMatchObject({ option: 'config' });
  });
});
