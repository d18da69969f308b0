import type { StopResult } from './shopInstance.js';
import type { SpanNode } from './spanTree.js';

/** What one instance went through, for tests and the summary. */
export interface InstanceReport {
  readonly service: string;
  readonly name: string;
  readonly framework: 'express' | 'nestjs';
  /** Its port on 127.0.0.1 (closed by the time the run returns). */
  readonly port: number;
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

/** What a run of the shop measured. */
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

/** One line for the end of a run. */
export function summary(result: ShopResult): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  return (
    `${result.checkouts} checkouts in ${seconds} s: ${result.errors} caller errors, ` +
    `p50 ${fmtMs(result.p50Ms)} ms, p99 ${fmtMs(result.p99Ms)} ms, ` +
    `event loop ${Math.round(result.eventLoopBusy * 100)}% busy; everything shut down.` +
    (result.errorSamples.length > 0 ? `\nfirst errors: ${result.errorSamples.join('; ')}` : '')
  );
}

export function fmtMs(value: number): string {
  return Number.isNaN(value) ? '-' : value.toFixed(1);
}

/** The `switchyard_*` metric names the Prometheus endpoint serves now (none if it cannot be read). */
export async function scrapeMetricNames(url: string | undefined): Promise<string[]> {
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
