import { createServer } from 'node:http';
import type { ClientOptions, ServiceClient } from '@switchyard/core';
import { registerOnListen, switchyard, switchyardErrorHandler } from '@switchyard/express';
import express, { type Express } from 'express';
import type { Behaviour } from './behaviour.js';
import type { Discovery } from './discovery.js';
import { InstanceStats } from './instanceStats.js';
import { recordRequests } from './recordRequests.js';
import type { ShopInstance } from './shopInstance.js';

export interface ExpressServiceSpec {
  readonly service: string;
  /** Instance id to register under. */
  readonly name: string;
  readonly discovery: Discovery;
  readonly behaviour: Behaviour;
  /** Options of the client behind `req.switchyard` (the registry is added). Default: client defaults. */
  readonly clientOptions?: Omit<ClientOptions, 'registry'>;
  /** Adds the service's routes. */
  readonly routes: (app: Express, stats: InstanceStats) => void;
}

/** An Express instance of the shop, with the client it calls other services through. */
export interface ExpressInstance extends ShopInstance {
  readonly client: ServiceClient;
}

/**
 * One Express instance wired the way docs/express.md shows: `switchyard()` for
 * `req.switchyard` and a SERVER span per request, `switchyardErrorHandler()` after the
 * routes, and `registerOnListen` to register on 127.0.0.1 port 0 and, on stop,
 * deregister → stop accepting → drain → close the client.
 */
export async function startExpressService(spec: ExpressServiceSpec): Promise<ExpressInstance> {
  const { discovery } = spec;
  const stats = new InstanceStats();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // no body hashing per response: these answers are never revalidated
  app.use(recordRequests(stats));
  const sy = switchyard({ clientOptions: { ...spec.clientOptions, registry: discovery.registry } });
  app.use(sy);
  spec.routes(app, stats);
  app.use(switchyardErrorHandler());

  const server = createServer(app);
  const lifecycle = registerOnListen(server, {
    registry: discovery.registry,
    registration: {
      service: spec.service,
      id: spec.name,
      ...(discovery.check === undefined ? {} : { check: discovery.check }),
    },
    deregisterDelayMs: discovery.deregisterDelayMs,
    drainTimeoutMs: 5_000,
    onShutdown: () => sy.close(),
  });
  server.listen(0, '127.0.0.1');
  try {
    await lifecycle.registered;
  } catch (error) {
    await lifecycle.shutdown();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    service: spec.service,
    name: spec.name,
    framework: 'express',
    port,
    behaviour: spec.behaviour,
    stats,
    client: sy.client,
    stop: async () => {
      const { deregistered, drained, forced } = await lifecycle.shutdown();
      return { deregistered, drained, forced };
    },
  };
}
