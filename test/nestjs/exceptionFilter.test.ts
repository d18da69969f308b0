// SwitchyardExceptionFilter: Switchyard errors reaching a request's edge become core's problem
// answers (503 with Retry-After for an open breaker, 504, 502, 500 for a ConfigError; RFC 9457
// bodies with messages hidden); other errors are left to Nest.
import { Controller, Get, NotFoundException, Param, UseFilters } from '@nestjs/common';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ConfigError,
  HttpStatusError,
  IsolatedCircuitError,
  NoInstancesError,
  RegistryError,
  type ServiceClient,
  StaticRegistry,
  type SwitchyardError,
  TimeoutError,
} from '@switchyard/core';
import { httpStatusOf } from '@switchyard/core/server';
import {
  InjectSwitchyardClient,
  SwitchyardExceptionFilter,
  SwitchyardModule,
  switchyardProblem,
} from '@switchyard/nestjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Downstream, type RunningApp, startApp, startDownstream } from './support.js';

/** Errors by name, as a controller would see them from the client. */
const errors: Record<string, () => unknown> = {
  open: () => new BrokenCircuitError(1_500),
  probing: () => new BrokenCircuitError(0),
  isolated: () => new IsolatedCircuitError(),
  bulkhead: () => new BulkheadRejectedError(4, 0),
  'no-instances': () => new NoInstancesError('cart', 'none registered'),
  registry: () => new RegistryError('consul', 'connect ECONNREFUSED 10.0.0.9:8500'),
  timeout: () => new TimeoutError(250),
  upstream: () => new HttpStatusError(new Response('', { status: 500 }), undefined),
  config: () => new ConfigError('timeout.ms', 'a finite number', -1),
  // A Switchyard error made by another copy of @switchyard/core: same brand, another class.
  foreign: () => {
    class ForeignTimeout extends Error {
      readonly code = 'SWITCHYARD_TIMEOUT';
      constructor() {
        super('Operation timed out after 99 ms');
        Object.defineProperty(this, Symbol.for('switchyard.error'), { value: 'SWITCHYARD_TIMEOUT' });
      }
    }
    return new ForeignTimeout();
  },
  'not-found': () => new NotFoundException('no such thing'),
  plain: () => new Error('boom'),
};

@Controller('fail')
class FailController {
  @Get(':kind')
  fail(@Param('kind') kind: string): never {
    throw (errors[kind] ?? errors.plain)?.();
  }
}

@Controller('scoped')
@UseFilters(SwitchyardExceptionFilter)
class ScopedController {
  @Get()
  fail(): never {
    throw new TimeoutError(10);
  }
}

@Controller('real')
class RealCallController {
  constructor(@InjectSwitchyardClient() private readonly client: ServiceClient) {}

  @Get(':service')
  async call(@Param('service') service: string): Promise<unknown> {
    const res = await this.client.fetch(service, '/x');
    return { status: res.status };
  }
}

let running: RunningApp | undefined;
let registry: StaticRegistry;
let downstream: Downstream;

beforeEach(async () => {
  downstream = await startDownstream('cart');
  registry = new StaticRegistry({ services: { cart: [{ id: 'cart-1', host: '127.0.0.1', port: downstream.port }] } });
});

afterEach(async () => {
  await running?.app.close();
  running = undefined;
  await registry.close();
  await downstream.close();
});

async function get(
  path: string,
): Promise<{ status: number; type: string | null; retryAfter: string | null; body: unknown }> {
  const res = await fetch(`${running?.url}${path}`);
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    retryAfter: res.headers.get('retry-after'),
    body: await res.json(),
  };
}

describe('SwitchyardExceptionFilter (registered by the module)', () => {
  beforeEach(async () => {
    running = await startApp({
      imports: [SwitchyardModule.forRoot({ registry, client: { telemetry: false } })],
      controllers: [FailController, RealCallController],
    });
  });

  it.each([
    ['open', 503, '2', 'SWITCHYARD_BROKEN_CIRCUIT'],
    ['probing', 503, '1', 'SWITCHYARD_BROKEN_CIRCUIT'],
    ['isolated', 503, null, 'SWITCHYARD_ISOLATED_CIRCUIT'],
    ['bulkhead', 503, null, 'SWITCHYARD_BULKHEAD_REJECTED'],
    ['no-instances', 503, null, 'SWITCHYARD_NO_INSTANCES'],
    ['registry', 503, null, 'SWITCHYARD_REGISTRY'],
    ['timeout', 504, null, 'SWITCHYARD_TIMEOUT'],
    ['upstream', 502, null, 'SWITCHYARD_HTTP_STATUS'],
    ['config', 500, null, 'SWITCHYARD_CONFIG'],
    ['foreign', 504, null, 'SWITCHYARD_TIMEOUT'],
  ])('%s → %i, Retry-After %s', async (kind, status, retryAfter, code) => {
    const res = await get(`/fail/${kind}`);
    expect(res.status).toBe(status);
    expect(res.retryAfter).toBe(retryAfter);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'about:blank', status, error: code, message: expect.any(String) });
    expect(Object.keys(res.body as object).sort()).toEqual(['detail', 'error', 'message', 'status', 'title', 'type']);
  });

  it('keeps internal details out of messages for upstream failures and bad options', async () => {
    expect((await get('/fail/upstream')).body).toMatchObject({
      error: 'SWITCHYARD_HTTP_STATUS',
      message: 'An upstream service answered with an error',
    });
    expect((await get('/fail/registry')).body).toMatchObject({ message: 'Service discovery is unavailable' });
    const config = (await get('/fail/config')).body as { message: string; title: string };
    expect(config).toMatchObject({ error: 'SWITCHYARD_CONFIG', title: 'Internal Server Error' });
    expect(config.message).not.toContain('timeout.ms');
    // Hidden from the caller, not from the log.
    expect(running?.logger.messages('error').some((m) => m.includes('timeout.ms'))).toBe(true);
  });

  it('leaves other errors to Nest', async () => {
    expect((await get('/fail/not-found')).status).toBe(404);
    const plain = await get('/fail/plain');
    expect(plain.status).toBe(500);
    expect(plain.type).toMatch(/^application\/json/);
  });

  it('maps real client failures: no instances of an unknown service', async () => {
    const res = await get('/real/unknown');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'SWITCHYARD_NO_INSTANCES' });
    expect((await get('/real/cart')).status).toBe(200);
  });
});

describe('exceptionFilter: false', () => {
  it('registers no global filter; @UseFilters still scopes it to a controller', async () => {
    running = await startApp({
      imports: [SwitchyardModule.forRoot({ registry, client: { telemetry: false }, exceptionFilter: false })],
      controllers: [FailController, ScopedController],
    });
    expect((await get('/fail/timeout')).status).toBe(500);
    expect((await get('/scoped')).status).toBe(504);
  });
});

describe('switchyardProblem (re-exported from core)', () => {
  it('rounds Retry-After up to whole seconds, at least 1', () => {
    const seconds = (ms: number) => switchyardProblem(new BrokenCircuitError(ms))?.retryAfterSeconds;
    expect([0, 1, 999, 1_000, 1_001, 60_000].map(seconds)).toEqual([1, 1, 1, 1, 2, 60]);
  });

  it('maps an unknown future code to 502', () => {
    const error = Object.assign(new Error('new'), { code: 'SWITCHYARD_SOMETHING_NEW' }) as unknown as SwitchyardError;
    expect(httpStatusOf(error).status).toBe(502);
  });
});
