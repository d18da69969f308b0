import { Controller, Get, HttpException, Inject, type LoggerService, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwitchyardLifecycle, SwitchyardModule } from '@switchyard/nestjs';
import { type Behaviour, work } from './behaviour.js';
import type { Discovery } from './discovery.js';
import { InstanceStats } from './instanceStats.js';
import { recordRequests } from './recordRequests.js';
import type { ShopInstance, StopResult } from './shopInstance.js';

const PRICING_INSTANCE = Symbol('PRICING_INSTANCE');

interface PricingInstance {
  readonly name: string;
  readonly behaviour: Behaviour;
}

@Controller('price')
class PriceController {
  // Tokens are named explicitly: tsx/esbuild emit no decorator metadata.
  constructor(@Inject(PRICING_INSTANCE) private readonly instance: PricingInstance) {}

  @Get(':id')
  async price(@Param('id') id: string): Promise<{ id: string; cents: number; servedBy: string }> {
    const { behaviour, name } = this.instance;
    await work(behaviour);
    if (behaviour.failWith !== undefined) throw new HttpException('pricing unavailable', behaviour.failWith);
    return { id, cents: 199 + ((Number(id) * 37) % 900), servedBy: name };
  }
}

@Module({})
class PricingModule {}

/**
 * `pricing` (NestJS): GET /price/:id. `SwitchyardModule.forRoot` registers the
 * application once it listens and deregisters it before Nest closes the server; its
 * interceptor makes the SERVER span (`GET /price/:id`), a child of the gateway's attempt.
 */
export async function startPricing(
  name: string,
  discovery: Discovery,
  behaviour: Behaviour,
  logger: LoggerService,
): Promise<ShopInstance> {
  const stats = new InstanceStats();
  const app = await NestFactory.create<NestExpressApplication>(
    {
      module: PricingModule,
      imports: [
        SwitchyardModule.forRoot({
          registry: discovery.registry,
          registration: {
            service: 'pricing',
            id: name,
            ...(discovery.check === undefined ? {} : { check: discovery.check }),
          },
          deregisterDelayMs: discovery.deregisterDelayMs,
          drainTimeoutMs: 5_000,
        }),
      ],
      controllers: [PriceController],
      providers: [{ provide: PRICING_INSTANCE, useValue: { name, behaviour } satisfies PricingInstance }],
    },
    { logger, abortOnError: false },
  );
  app.set('etag', false);
  app.use(recordRequests(stats));
  await app.listen(0, '127.0.0.1');
  const lifecycle = app.get(SwitchyardLifecycle);
  try {
    await lifecycle.whenRegistered();
  } catch (error) {
    await app.close();
    throw new Error(`${name} could not register in the ${discovery.registry.name} registry`, { cause: error });
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let stopping: Promise<StopResult> | undefined;
  return {
    service: 'pricing',
    name,
    framework: 'nestjs',
    port,
    behaviour,
    stats,
    stop: () => {
      // app.close() runs the module's hooks: deregister, the deregister delay, drain, then
      // the client the module created is closed (the same sequence as the Express instances).
      stopping ??= (async () => {
        await app.close();
        const { deregistered, drained, forced } = lifecycle.shutdownResult ?? {
          deregistered: false,
          drained: true,
          forced: 0,
        };
        return { deregistered, drained, forced };
      })();
      return stopping;
    },
  };
}
