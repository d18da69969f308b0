// Regression (reliability issue, case 15): a throwing `onListenerError` escaped as an
// uncaughtException, made `set()` throw and skipped the remaining watchers. Now the
// handler's own failure becomes a process warning, and every other watcher still hears.
import { StaticRegistry } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';

const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(warning.message);

afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('onListenerError that throws', () => {
  it('leaves set() working and the other watchers informed, and is reported as a warning', async () => {
    process.on('warning', onWarning);
    const handled: unknown[] = [];
    const registry = new StaticRegistry(
      { services: { cart: [{ id: 'a', host: '127.0.0.1', port: 1 }] } },
      {
        onListenerError: (error) => {
          handled.push(error);
          throw new Error('the handler broke too');
        },
      },
    );
    const seen: string[][] = [];
    registry.watch('cart', () => {
      throw new Error('a broken watcher');
    });
    registry.watch('cart', (snapshot) => seen.push(snapshot.instances.map((i) => i.id)));
    // First deliveries arrive on a microtask.
    await Promise.resolve();
    await Promise.resolve();
    expect(() => registry.set('cart', [{ id: 'b', host: '127.0.0.1', port: 2 }])).not.toThrow();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(seen).toEqual([['a'], ['b']]);
    expect(handled).toHaveLength(2);
    expect(warnings.filter((w) => w.includes('the handler broke too'))).toHaveLength(2);
    await registry.close();
  });
});
