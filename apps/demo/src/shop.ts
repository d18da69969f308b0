// The shop: every server on 127.0.0.1 port 0 in this one process, registered in one
// registry, calling each other through Switchyard while a paced load runs a story:
//
//   load ──fetch──► gateway ──┬─► catalog × 3 (+1 joins, 1 leaves; one 10× slower)   Express
//   (plain fetch)  (Express)  ├─► pricing × 2 (one fails for the middle third)       NestJS
//                             └─► cart × 2    (consistent hash by user)              Express
import { performance } from 'node:perf_hooks';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createBalancer } from '@switchyard/core';
import { startTelemetry } from '@switchyard/core/telemetry';
import type { Behaviour } from './behaviour.js';
import { BreakerBoard } from './breakerBoard.js';
import { startCart } from './cartService.js';
import { startCatalog } from './catalogService.js';
import { Dashboard, type Output } from './dashboard.js';
import { type Discovery, openDiscovery } from './discovery.js';
import { EventLog } from './eventLog.js';
import { EventLogger } from './eventLogger.js';
import type { ExpressInstance } from './expressService.js';
import { startGateway } from './gateway.js';
import { isCheckoutRoot, LastTraceExporter } from './lastTraceExporter.js';
import { LoadGenerator } from './loadGenerator.js';
import { Membership } from './membership.js';
import type { ShopOptions } from './options.js';
import { PickTracker } from './pickTracker.js';
import { startPricing } from './pricingService.js';
import { Scenario } from './scenario.js';
import type { ShopInstance, StopResult } from './shopInstance.js';
import { drawShop, fmtMs, type ShopState } from './shopView.js';
import { type SpanNode, spanTree } from './spanTree.js';

const SERVICES = ['gateway', 'catalog', 'pricing', 'cart'];
const USERS = 40;
const ITEMS = 97;

/** What one instance went through, for tests and the summary. */
export interface InstanceReport {
  readonly service: string;
  readonly name: string;
  readonly framework: 'express' | 'nestjs';
  /** Requests the instance itself received. */
  readonly requests: number;
  readonly serverErrors: number;
  /** Times the gateway's balancer picked it, and picked it after it had left the registry (must be 0). */
  readonly picks: number;
  readonly picksAfterLeaving: number;
  /** Times its breaker in the gateway's client opened. */
  readonly breakerOpenings: number;
  /** Users whose carts it served (cart only). */
  readonly users: readonly string[];
  /** Set for an instance stopped during the run. */
  readonly stopped: StopResult | undefined;
}

export interface ShopResult {
  readonly checkouts: number;
  /** Errors the callers saw: non-2xx answers and network errors (target 0). */
  readonly errors: number;
  readonly errorSamples: readonly string[];
  /** From the first checkout sent to the last answered. */
  readonly durationMs: number;
  /** Share of the run the (one, shared) event loop was busy. */
  readonly eventLoopBusy: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly instances: readonly InstanceReport[];
  /** The span tree of the last checkout. */
  readonly lastTrace: SpanNode | undefined;
  readonly metricsUrl: string | undefined;
  /** `switchyard_*` metric names scraped from the Prometheus endpoint at the end of the run. */
  readonly metricNames: readonly string[];
  readonly events: readonly string[];
  /** Scenario steps that failed (an instance that could not start, say). */
  readonly stepFailures: number;
}

export interface RunShopOptions {
  /** Where the dashboard goes. Default stdout. */
  readonly out?: Output;
  /** Frame interval on a terminal. Default 100 ms (plain output: every 2 s and at the end). */
  readonly refreshMs?: number;
}

/** Runs the shop for one bounded load, then shuts everything down; never leaves anything running. */
export async function runShop(options: ShopOptions, run: RunShopOptions = {}): Promise<ShopResult> {
  const out = run.out ?? process.stdout;
  const began = performance.now();
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
  const instances: ShopInstance[] = [];
  let gateway: ExpressInstance | undefined;
  let discovery: Discovery | undefined;
  let membership: Membership | undefined;
  const stopped = new Map<string, StopResult>();
  try {
    discovery = await openDiscovery(options.discovery);
    const shopDiscovery = discovery;
    membership = new Membership(discovery.registry, SERVICES, events);
    const picks = new PickTracker(membership);
    const breakers = new BreakerBoard(events, {
      // Small and quick, so a breaker visibly opens, probes and closes within a short run.
      slidingWindowSize: 20,
      minimumNumberOfCalls: 10,
      failureRateThreshold: 50,
      waitDurationInOpenState: 1_000,
      permittedNumberOfCallsInHalfOpenState: 3,
    });
    const nestLogger = new EventLogger(events);
    const catalog = (i: number, latencyMs: number) => startCatalog(`catalog-${i}`, shopDiscovery, { latencyMs });
    const behaviours: Behaviour[] = [{ latencyMs: 3 }, { latencyMs: 3 }];

    instances.push(
      ...(await Promise.all([
        catalog(0, 5),
        catalog(1, 5),
        catalog(2, 50), // ten times slower than its peers
        ...behaviours.map((b, i) => startPricing(`pricing-${i}`, shopDiscovery, b, nestLogger)),
        startCart('cart-0', shopDiscovery, { latencyMs: 2 }),
        startCart('cart-1', shopDiscovery, { latencyMs: 2 }),
      ])),
    );
    gateway = await startGateway(
      discovery,
      {
        // Every pick goes through the tracker; cart is routed by user.
        balancer: (service) => picks.track(createBalancer(service === 'cart' ? 'consistent-hash' : options.balancer)),
        breaker: breakers.factory,
        timeoutMs: 1_000,
        retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 50 },
      },
      { latencyMs: 1 },
    );
    instances.unshift(gateway);
    const retries = new Map<string, number>();
    for (const service of ['catalog', 'pricing', 'cart']) {
      retries.set(service, 0);
      gateway.client.runtime(service).retry?.onRetry(() => retries.set(service, (retries.get(service) ?? 0) + 1));
    }

    // Start once every instance is discoverable; the customers find the gateway there too,
    // then call it with plain fetch.
    await membership.whenVisible(
      instances.map((i) => i.name),
      10_000,
    );
    const [entry] = membership.instances('gateway');
    if (entry === undefined) throw new Error('the gateway did not register');
    const base = `http://${entry.host}:${entry.port}`;

    const notes = new Map<string, string>();
    const at = () => `${((performance.now() - began) / 1000).toFixed(1)}s`;
    const failing = behaviours[1] as Behaviour;
    const stop = async (instance: ShopInstance) => {
      const result = await instance.stop();
      stopped.set(instance.name, result);
      return result;
    };
    const scenario = new Scenario(
      [
        { at: 1 / 3, label: 'scenario: pricing-1 starts failing (HTTP 500)', run: () => (failing.failWith = 500) },
        {
          at: 0.4,
          label: 'scenario: a new catalog instance starts (catalog-3)',
          run: async () => {
            const added = await catalog(3, 5);
            instances.splice(instances.findIndex((i) => i.name === 'catalog-2') + 1, 0, added);
            notes.set(added.name, `joined ${at()}`);
          },
        },
        { at: 2 / 3, label: 'scenario: pricing-1 heals', run: () => (failing.failWith = undefined) },
        {
          at: 0.75,
          label: 'scenario: catalog-0 shuts down gracefully (deregister → drain → close)',
          run: async () => {
            const leaving = instances.find((i) => i.name === 'catalog-0') as ShopInstance;
            notes.set(leaving.name, `stopping ${at()}`);
            const r = await stop(leaving);
            notes.set(leaving.name, `stopped ${at()}`);
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
    const load = new LoadGenerator({
      requests: options.requests,
      rate: options.rate,
      maxInFlight: 64,
      url: (n) => `${base}/checkout/user-${n % USERS}?item=${n % ITEMS}`,
      beforeSend: (n) => scenario.onCheckout(n),
    });

    const dashboard = new Dashboard(out, 2_000);
    const state: ShopState = {
      title: `Switchyard shop · registry ${discovery.label} · balancer ${options.balancer} · ${options.rate}/s`,
      requests: options.requests,
      instances,
      notes,
      load,
      breakers,
      picks,
      membership,
      retries,
      events,
      traces,
      metricsUrl: telemetry.metricsUrl,
    };
    const timer = setInterval(() => drawShop(dashboard, state), run.refreshMs ?? 100);
    try {
      await load.run();
      await scenario.settled();
    } finally {
      clearInterval(timer);
    }
    drawShop(dashboard, state, true);

    const metricNames = await scrapeNames(telemetry.metricsUrl);
    return {
      checkouts: load.done,
      errors: load.errors,
      errorSamples: load.errorSamples,
      durationMs: load.elapsedMs(),
      eventLoopBusy: load.busy(),
      p50Ms: load.stats.percentile(0.5),
      p99Ms: load.stats.percentile(0.99),
      instances: instances.map((i) => ({
        service: i.service,
        name: i.name,
        framework: i.framework,
        requests: i.stats.requests,
        serverErrors: i.stats.serverErrors,
        picks: picks.picksOf(i.name),
        picksAfterLeaving: picks.picksAfterLeavingOf(i.name),
        breakerOpenings: breakers.timesOpened(i.name),
        users: [...i.stats.keys].sort(),
        stopped: stopped.get(i.name),
      })),
      lastTrace: spanTree(traces.lastTrace),
      metricsUrl: telemetry.metricsUrl,
      metricNames,
      events: events.all(),
      stepFailures: scenario.failures.length,
    };
  } finally {
    // The gateway first (it calls the others), then the rest; each deregisters and drains.
    await gateway?.stop();
    await Promise.all(instances.filter((i) => !stopped.has(i.name)).map((i) => i.stop()));
    membership?.dispose();
    await discovery?.registry.close();
    await telemetry.shutdown();
  }
}

/** One line for the end of a run. */
export function summary(result: ShopResult): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  return (
    `${result.checkouts} checkouts in ${seconds} s: ${result.errors} caller errors, ` +
    `p50 ${fmtMs(result.p50Ms)} ms, p99 ${fmtMs(result.p99Ms)} ms, event loop ${Math.round(result.eventLoopBusy * 100)}% busy; ` +
    'everything shut down.' +
    (result.errorSamples.length > 0 ? `\nfirst errors: ${result.errorSamples.join('; ')}` : '')
  );
}

async function scrapeNames(url: string | undefined): Promise<string[]> {
  if (url === undefined) return [];
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
    const names = new Set<string>();
    for (const line of text.split('\n')) {
      if (line.startsWith('switchyard_')) names.add(line.split(/[{ ]/, 1)[0] as string);
    }
    return [...names].sort();
  } catch {
    return [];
  }
}
