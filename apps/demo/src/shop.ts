// The shop: every server on 127.0.0.1 port 0 in this one process, registered in one
// registry, calling each other through Switchyard while a paced load runs a story:
//
//   load ──fetch──► gateway ──┬─► catalog × 3 (+1 joins, 1 leaves; one 10× slower)   Express
//   (plain fetch)  (Express)  ├─► pricing × 2 (one fails for the middle third)       NestJS
//                             └─► cart × 2    (consistent hash by user)              Express
import { performance } from 'node:perf_hooks';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Disposable } from '@switchyard/core';
import { startTelemetry } from '@switchyard/core/telemetry';
import type { Behaviour } from './behaviour.js';
import { BreakerBoard } from './breakerBoard.js';
import { startCart } from './cartService.js';
import { startCatalog } from './catalogService.js';
import { Dashboard, type Output } from './dashboard.js';
import { type Discovery, openDiscovery } from './discovery.js';
import { EventLog } from './eventLog.js';
import { EventLogger } from './eventLogger.js';
import { Fleet } from './fleet.js';
import { startGateway } from './gateway.js';
import { isCheckoutRoot, LastTraceExporter } from './lastTraceExporter.js';
import { LoadGenerator } from './loadGenerator.js';
import { Membership } from './membership.js';
import type { ShopOptions } from './options.js';
import { PickTracker } from './pickTracker.js';
import { startPricing } from './pricingService.js';
import { RetryCounter } from './retryCounter.js';
import { Scenario } from './scenario.js';
import { type ShopResult, scrapeMetricNames } from './shopResult.js';
import { drawShop } from './shopView.js';
import { spanTree } from './spanTree.js';

const SERVICES = ['gateway', 'catalog', 'pricing', 'cart'];
const USERS = 40;
const ITEMS = 97;
/** Checkouts sent before the measured run: the first ones pay for JIT compilation, lazy setup and new connections. */
const WARM_UP = 50;
/** Frame interval on a terminal. */
const REFRESH_MS = 100;
/** Frame interval when stdout is not a terminal (a log, a pipe); the final frame is always printed. */
const PLAIN_EVERY_MS = 2_000;

export interface RunShopOptions {
  /** Where the dashboard goes. Default stdout. */
  readonly out?: Output;
  /** Ends the load early (Ctrl-C); the shop still shuts down gracefully. */
  readonly signal?: AbortSignal;
}

/** Runs the shop for one bounded load, then shuts everything down; never leaves anything running. */
export async function runShop(options: ShopOptions, run: RunShopOptions = {}): Promise<ShopResult> {
  const began = performance.now();
  const at = () => `${((performance.now() - began) / 1000).toFixed(1)}s`;
  const events = new EventLog(() => performance.now() - began);
  const traces = new LastTraceExporter(isCheckoutRoot);
  const telemetry = await startTelemetry({
    serviceName: 'switchyard-shop',
    exporter: { traces: 'none', metrics: 'prometheus', logs: 'none' },
    prometheus: { port: options.metricsPort },
    // Every span goes through the in-memory exporter, which keeps only the last checkout's trace.
    spanProcessors: [new SimpleSpanProcessor(traces)],
    diagLogLevel: 'error',
  });
  const fleet = new Fleet();
  let discovery: Discovery | undefined;
  let membership: Membership | undefined;
  let scenario: Scenario | undefined;
  /** The demo's subscriptions to the public switchyard:* events, disposed when the shop stops. */
  const observers: Disposable[] = [];
  try {
    discovery = await openDiscovery(options.discovery);
    const where = discovery;
    membership = new Membership(discovery.registry, SERVICES, events);
    const catalog = (i: number, latencyMs: number) => startCatalog(`catalog-${i}`, where, { latencyMs });
    const failing: Behaviour = { latencyMs: 3 };
    const nestLogger = new EventLogger(events);
    await fleet.start(
      catalog(0, 5),
      catalog(1, 5),
      catalog(2, 50), // ten times slower than its peers (noted on screen)
      startPricing('pricing-0', where, { latencyMs: 3 }, nestLogger),
      startPricing('pricing-1', where, failing, nestLogger),
      startCart('cart-0', where, { latencyMs: 2 }),
      startCart('cart-1', where, { latencyMs: 2 }),
    );
    const starting = startGateway(
      where,
      {
        balancer: options.balancer,
        // The client's default breaker, but open for a flat second (no backoff), so a breaker
        // visibly opens, probes and closes within a short run.
        breaker: { waitDurationInOpenState: 1_000, openStateBackoff: { multiplier: 1, maxMs: 1_000 } },
        timeoutMs: 3_000, // per attempt: only a hung call; the demo runs on one shared thread
        retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 50 },
        // Routed by user (`{ key: user }`): the same user's cart is always on the same instance.
        services: { cart: { balancer: 'consistent-hash' } },
      },
      { latencyMs: 1 },
    );
    await fleet.start(starting);
    const gateway = await starting;
    // The gateway's client as any user would observe it: through the public events, told
    // apart from the other instances' clients by `message.client`. Subscribed before the
    // first checkout, so before the client has a breaker, a pick or a retry to report.
    const picks = new PickTracker(gateway.client, membership);
    const breakers = new BreakerBoard(gateway.client, events);
    const retries = new RetryCounter(gateway.client, ['catalog', 'pricing', 'cart']);
    observers.push(picks, breakers, retries);

    // Start once every instance is discoverable; the customers find the gateway there too,
    // then call it with plain fetch.
    await membership.whenVisible(
      fleet.instances.map((i) => i.name),
      10_000,
    );
    const [entry] = membership.instances('gateway');
    if (entry === undefined) throw new Error('the gateway did not register');
    const base = `http://${entry.host}:${entry.port}`;

    const checkoutUrl = (n: number) => `${base}/checkout/user-${n % USERS}?item=${n % ITEMS}`;
    const warmUp = new LoadGenerator({
      requests: WARM_UP,
      rate: 250,
      maxInFlight: 8,
      url: checkoutUrl,
      ...(run.signal === undefined ? {} : { signal: run.signal }),
    });
    await warmUp.run();
    for (const instance of fleet.instances) instance.stats.reset();
    events.add(`warm-up: ${WARM_UP} checkouts, ${warmUp.errors} errors (not in the table)`);

    const notes = new Map<string, string>([['catalog-2', 'slow (10×)']]);
    scenario = new Scenario(
      [
        { at: 1 / 3, label: 'scenario: pricing-1 starts failing (HTTP 500)', run: () => (failing.failWith = 500) },
        {
          at: 0.4,
          label: 'scenario: a new catalog instance starts (catalog-3)',
          run: async () => {
            await fleet.start(catalog(3, 5));
            notes.set('catalog-3', `joined ${at()}`);
          },
        },
        { at: 2 / 3, label: 'scenario: pricing-1 heals', run: () => (failing.failWith = undefined) },
        {
          at: 0.75,
          label: 'scenario: catalog-0 shuts down gracefully (deregister → drain → close)',
          run: async () => {
            notes.set('catalog-0', `stopping ${at()}`);
            const r = await fleet.stop('catalog-0');
            notes.set('catalog-0', `stopped ${at()}`);
            events.add(
              `catalog-0 stopped: ${r.deregistered ? 'deregistered' : 'NOT deregistered'}, ` +
                `${r.drained ? 'drained' : 'not drained'}, ${r.forced} requests cut`,
            );
          },
        },
      ],
      options.requests,
      events,
    );
    const story = scenario;
    const load = new LoadGenerator({
      requests: options.requests,
      rate: options.rate,
      maxInFlight: 64,
      url: checkoutUrl,
      beforeSend: (n) => story.onCheckout(n),
      ...(run.signal === undefined ? {} : { signal: run.signal }),
    });

    const dashboard = new Dashboard(run.out ?? process.stdout, PLAIN_EVERY_MS);
    const view = {
      title: `Switchyard shop · registry ${discovery.label} · balancer ${options.balancer} · ${options.rate}/s`,
      requests: options.requests,
      instances: fleet.instances,
      notes,
      load,
      breakers,
      picks,
      membership,
      retries: retries.byService,
      events,
      traces,
      metricsUrl: telemetry.metricsUrl,
    };
    const timer = setInterval(() => drawShop(dashboard, view), REFRESH_MS);
    try {
      await load.run();
      await scenario.settled();
    } finally {
      clearInterval(timer);
    }
    drawShop(dashboard, view, true);

    return {
      checkouts: load.done,
      errors: warmUp.errors + load.errors,
      errorSamples: [...warmUp.errorSamples, ...load.errorSamples],
      durationMs: load.elapsedMs(),
      eventLoopBusy: load.busy(),
      p50Ms: load.stats.percentile(0.5),
      p99Ms: load.stats.percentile(0.99),
      instances: fleet.instances.map((i) => ({
        service: i.service,
        name: i.name,
        framework: i.framework,
        port: i.port,
        requests: i.stats.requests,
        serverErrors: i.stats.serverErrors,
        picks: picks.picksOf(i.name),
        picksAfterLeaving: picks.picksAfterLeavingOf(i.name),
        breakerOpenings: breakers.timesOpened(i.name),
        users: [...i.stats.keys].sort(),
        stopped: fleet.stopResult(i.name),
      })),
      lastTrace: spanTree(traces.lastTrace),
      metricsUrl: telemetry.metricsUrl,
      metricNames: await scrapeMetricNames(telemetry.metricsUrl),
      events: events.all(),
      stepFailures: scenario.failures.length,
    };
  } finally {
    // Let a step still starting or draining an instance finish, then stop everything.
    await scenario?.settled();
    await fleet.stopAll();
    for (const observer of observers) observer.dispose();
    membership?.dispose();
    await discovery?.registry.close();
    await telemetry.shutdown();
  }
}
