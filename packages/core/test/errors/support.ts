// Errors that fight back: getters and Proxy traps that throw whenever Switchyard reads them.

/** What a throwing getter or trap throws; a test fails if this, not the original error, reaches the caller. */
export class GetterError extends Error {
  constructor(what: string) {
    super(`getter threw: ${what}`);
  }
}

const READ = ['message', 'name', 'code', 'cause', 'status', 'statusCode', 'retryAfterMs'] as const;

/** A real Error whose `message`, `name`, `code`, `cause`, `status`, … getters all throw. */
export function errorWithThrowingGetters(): Error {
  const error = new Error('placeholder');
  for (const key of READ) {
    Object.defineProperty(error, key, {
      get() {
        throw new GetterError(key);
      },
      configurable: true,
    });
  }
  return error;
}

/** A Proxy whose every trap throws (get, has, getPrototypeOf, ownKeys, …), wrapping an Error by default. */
export function proxyWithThrowingTraps(target: object = new Error('inside')): object {
  const thrower = (trap: string) => () => {
    throw new GetterError(`trap ${trap}`);
  };
  return new Proxy(target, {
    get: thrower('get'),
    has: thrower('has'),
    getPrototypeOf: thrower('getPrototypeOf'),
    getOwnPropertyDescriptor: thrower('getOwnPropertyDescriptor'),
    ownKeys: thrower('ownKeys'),
    defineProperty: thrower('defineProperty'),
    set: thrower('set'),
  });
}

/** A revoked Proxy: every operation on it throws a TypeError. */
export function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable(new Error('gone'), {});
  revoke();
  return proxy;
}

/** Every hostile value, named for `it.each`. */
export function hostileErrors(): Array<[string, unknown]> {
  return [
    ['an Error with throwing getters', errorWithThrowingGetters()],
    ['a Proxy whose traps throw', proxyWithThrowingTraps()],
    ['a revoked Proxy', revokedProxy()],
    ['a TypeError("fetch failed") whose cause getter throws', fetchFailedWithThrowingCause()],
  ];
}

function fetchFailedWithThrowingCause(): TypeError {
  const error = new TypeError('fetch failed');
  Object.defineProperty(error, 'cause', {
    get() {
      throw new GetterError('cause');
    },
  });
  return error;
}
