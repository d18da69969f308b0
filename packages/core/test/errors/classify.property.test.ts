// Property: classification never throws, whatever it is given: arbitrary values, errors with
// throwing getters, Proxies whose traps throw, revoked Proxies, cause chains and cycles of them.
import {
  BrokenCircuitError,
  HttpStatusError,
  handleType,
  ignoredByClientBreaker,
  retryableForClient,
  SwitchyardError,
  TimeoutError,
  transientErrors,
} from '@switchyard/core';
import {
  isAbortError,
  isSwitchyardError,
  isTransientError,
  isUnsentError,
  networkErrorCode,
} from '@switchyard/core/internal';
import { errorTypeOf } from '@switchyard/core/semconv';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { isDeadline, serverRetryAfterMs } from '../../src/errors/classify.js';
import { filterHandles } from '../../src/errors/ErrorFilter.js';
import { httpServerErrorType } from '../../src/errors/errorType.js';
import { hasErrorCode, switchyardCodeOf } from '../../src/errors/SwitchyardError.js';
import { describeError, errorSnapshot, errorText } from '../../src/errors/safeRead.js';

const KEYS = ['message', 'name', 'code', 'cause', 'status', 'statusCode', 'retryAfterMs'] as const;
const TRAPS = ['get', 'has', 'getPrototypeOf', 'getOwnPropertyDescriptor', 'ownKeys'] as const;
const CODES = ['ECONNREFUSED', 'UND_ERR_SOCKET', 'ABORT_ERR', 'SWITCHYARD_TIMEOUT', 'weird code', 'E'];

/** A value for a property: anything, or something that looks meaningful to a classifier. */
const propertyValue = fc.oneof(
  fc.anything(),
  fc.constantFrom(...CODES),
  fc.constantFrom('AbortError', 'TimeoutError', 'TypeError', 'Error', 'fetch failed'),
  fc.integer({ min: 100, max: 599 }),
);

// fast-check inspects (and prints) the values it generates, which a hostile value would
// break; so it generates plain recipes, and each property builds the value from one.
type Recipe =
  | { readonly kind: 'plain'; readonly value: unknown }
  | {
      readonly kind: 'error';
      readonly base: string;
      readonly values: Readonly<Record<string, unknown>>;
      readonly throwing: readonly string[];
    }
  | { readonly kind: 'proxy'; readonly target: Recipe; readonly traps: readonly string[]; readonly revoked: boolean }
  | { readonly kind: 'chain'; readonly links: readonly Recipe[]; readonly cycle: boolean };

/** An Error with some of its properties set, and some replaced by throwing getters. */
const errorRecipe: fc.Arbitrary<Recipe> = fc.record({
  kind: fc.constant('error' as const),
  base: fc.constantFrom('Error', 'TypeError', 'Object', 'TimeoutError', 'BrokenCircuitError', 'HttpStatusError'),
  values: fc.dictionary(fc.constantFrom(...KEYS), propertyValue, { maxKeys: 4 }),
  throwing: fc.subarray([...KEYS]),
});

const plainRecipe: fc.Arbitrary<Recipe> = fc.record({ kind: fc.constant('plain' as const), value: fc.anything() });

/** A Proxy around an error with some of its traps throwing (possibly revoked). */
const proxyRecipe: fc.Arbitrary<Recipe> = fc.record({
  kind: fc.constant('proxy' as const),
  target: errorRecipe,
  traps: fc.subarray([...TRAPS], { minLength: 1 }),
  revoked: fc.boolean(),
});

/** A chain of hostile and ordinary links, `cause` to `cause`, optionally closed into a cycle. */
const chainRecipe: fc.Arbitrary<Recipe> = fc.record({
  kind: fc.constant('chain' as const),
  links: fc.array(fc.oneof(errorRecipe, proxyRecipe, plainRecipe), { minLength: 1, maxLength: 12 }),
  cycle: fc.boolean(),
});

const anyRecipe = fc.oneof(plainRecipe, errorRecipe, proxyRecipe, chainRecipe);

function baseOf(base: string): object {
  switch (base) {
    case 'Error':
      return new Error('e');
    case 'TypeError':
      return new TypeError('fetch failed');
    case 'TimeoutError':
      return new TimeoutError(5);
    case 'BrokenCircuitError':
      return new BrokenCircuitError(10);
    case 'HttpStatusError':
      return new HttpStatusError(new Response(null, { status: 503 }), 1_000);
    default:
      return {};
  }
}

/** Sets `key` on a link that may refuse (a Proxy, a primitive): then the chain just ends there. */
function trySet(target: unknown, key: string, value: unknown): void {
  if ((typeof target !== 'object' || target === null) && typeof target !== 'function') return;
  try {
    Object.defineProperty(target, key, { value, configurable: true, writable: true });
  } catch {}
}

function build(recipe: Recipe): unknown {
  switch (recipe.kind) {
    case 'plain':
      return recipe.value;
    case 'error': {
      const target = baseOf(recipe.base);
      for (const [key, value] of Object.entries(recipe.values)) trySet(target, key, value);
      for (const key of recipe.throwing) {
        Object.defineProperty(target, key, {
          get() {
            throw new Error(`getter ${key}`);
          },
          configurable: true,
        });
      }
      return target;
    }
    case 'proxy': {
      const handler: ProxyHandler<object> = {};
      for (const trap of recipe.traps) {
        (handler as Record<string, unknown>)[trap] = () => {
          throw new Error(`trap ${trap}`);
        };
      }
      const target = build(recipe.target) as object;
      if (!recipe.revoked) return new Proxy(target, handler);
      const { proxy, revoke } = Proxy.revocable(target, handler);
      revoke();
      return proxy;
    }
    case 'chain': {
      const links = recipe.links.map(build);
      for (let i = 0; i < links.length - 1; i++) trySet(links[i], 'cause', links[i + 1]);
      if (recipe.cycle) trySet(links[links.length - 1], 'cause', links[0]);
      return links[0];
    }
  }
}

const userFilter = handleType(HttpStatusError, (e) => e.status > 0).orWhen(
  (e) => (e as { code?: unknown }).code === 'X',
);

/** Every classifier, each called the way Switchyard calls it. */
const classifiers: Array<[string, (value: unknown) => unknown]> = [
  ['isTransientError', isTransientError],
  ['isUnsentError', isUnsentError],
  ['isAbortError', isAbortError],
  ['isDeadline', isDeadline],
  ['networkErrorCode', networkErrorCode],
  ['serverRetryAfterMs', serverRetryAfterMs],
  ['errorTypeOf', errorTypeOf],
  ['httpServerErrorType', (value) => httpServerErrorType(503, value)],
  ['switchyardCodeOf', switchyardCodeOf],
  ['isSwitchyardError', isSwitchyardError],
  ['hasErrorCode', (value) => hasErrorCode(value, 'SWITCHYARD_TIMEOUT')],
  ['instanceof SwitchyardError', (value) => value instanceof SwitchyardError],
  ['instanceof BrokenCircuitError', (value) => value instanceof BrokenCircuitError],
  ['instanceof HttpStatusError', (value) => value instanceof HttpStatusError],
  ['transientErrors', (value) => filterHandles(transientErrors, value, false)],
  ['retryableForClient', (value) => filterHandles(retryableForClient, value, false)],
  ['ignoredByClientBreaker', (value) => filterHandles(ignoredByClientBreaker, value, false)],
  // A user predicate may throw (here: a throwing `status` getter); every policy asks through filterHandles.
  ['a user filter, as policies ask it', (value) => filterHandles(userFilter, value, false)],
  ['errorSnapshot', errorSnapshot],
  ['errorText', errorText],
  ['describeError', describeError],
];

describe('classification never throws', () => {
  // The user filter below throws on purpose; its one warning is expected.
  let warnings: MockInstance | undefined;
  beforeAll(() => {
    warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterAll(() => warnings?.mockRestore());

  it.each(classifiers)('%s', (_name, classify) => {
    fc.assert(
      fc.property(anyRecipe, (recipe) => {
        classify(build(recipe));
      }),
      { numRuns: 300, seed: 7_000_501 },
    );
  });

  it('answers the types it promises', () => {
    fc.assert(
      fc.property(anyRecipe, (recipe) => {
        const value = build(recipe);
        expect(typeof isTransientError(value)).toBe('boolean');
        expect(typeof isUnsentError(value)).toBe('boolean');
        expect(typeof errorTypeOf(value)).toBe('string');
        expect(errorTypeOf(value)).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
        const code = networkErrorCode(value);
        expect(code === undefined || typeof code === 'string').toBe(true);
        expect(typeof describeError(value)).toBe('string');
      }),
      { numRuns: 300, seed: 7_000_502 },
    );
  });
});
