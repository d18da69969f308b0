// Server telemetry never changes a request: a span processor, a metric instrument or a log
// processor that throws is caught (and reported once through diag), and both adapters answer
// exactly as they do with a healthy SDK.
import {
  type DiagLogger,
  DiagLogLevel,
  diag,
  type Histogram,
  type Meter,
  type MeterProvider,
} from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { type ClientOptions, StaticRegistry } from '@switchyard/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Downstream, send, startDownstream } from '../express/support.js';
import { createInMemoryOtel, type InMemoryOtel, installGlobalContext } from '../support/otel.js';
import { ADAPTERS, type Adapter, type AppOptions, startApp } from './apps.js';

let uninstall: () => void;
beforeAll(() => {
  uninstall = installGlobalContext();
});
afterAll(() => uninstall());

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  diag.disable();
});

/** Captures what diag is told. */
function captureDiag(): string[] {
  const warnings: string[] = [];
  const record = (message: string) => warnings.push(message);
  const logger: DiagLogger = { error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return warnings;
}

class ThrowingSpanProcessor implements SpanProcessor {
  onStart(_span: Span): void {
    throw new Error('span processor onStart failed');
  }
  onEnd(): void {
    throw new Error('span processor onEnd failed');
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/** A meter provider over the SDK whose histograms throw on record (a broken instrument or reader path). */
function throwingMeterProvider(inner: MeterProvider): MeterProvider {
  return {
    getMeter(name, version, options): Meter {
      const meter = inner.getMeter(name, version, options);
      return new Proxy(meter, {
        get(target, key, receiver) {
          if (key !== 'createHistogram') return Reflect.get(target, key, receiver);
          return (...args: Parameters<Meter['createHistogram']>): Histogram => {
            target.createHistogram(...args);
            return {
              record: () => {
                throw new Error('histogram record failed');
              },
            };
          };
        },
      });
    },
  };
}

class ThrowingLogProcessor implements LogRecordProcessor {
  onEmit(): void {
    throw new Error('log processor failed');
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** GET /proxy with catalog answering, then with no catalog instance (503), on one app. */
async function answers(adapter: Adapter, telemetry: AppOptions['telemetry'], extra: Partial<AppOptions> = {}) {
  const upstream: Downstream = await startDownstream();
  cleanups.push(() => upstream.close());
  const registry = new StaticRegistry({ services: { catalog: [{ host: '127.0.0.1', port: upstream.port }] } });
  cleanups.push(() => registry.close());
  const client: Omit<ClientOptions, 'registry'> = { retry: false, telemetry: false };
  const app = await startApp(adapter, { registry, client, telemetry, ...extra });
  cleanups.push(() => app.close());
  const ok = await send(`${app.url}/proxy`).response;
  registry.set('catalog', []);
  const unavailable = await send(`${app.url}/proxy`).response;
  const config = await send(`${app.url}/config`).response;
  const shape = (r: typeof ok): Answer => ({ status: r.status, contentType: r.headers['content-type'], body: r.body });
  return { answers: [shape(ok), shape(unavailable), shape(config)], app };
}

let healthy: InMemoryOtel;
async function baseline(adapter: Adapter): Promise<Answer[]> {
  healthy = createInMemoryOtel();
  cleanups.push(() => healthy.shutdown());
  const { answers: seen } = await answers(adapter, {
    tracerProvider: healthy.tracerProvider,
    meterProvider: healthy.meterProvider,
    httpInstrumentation: 'switchyard',
  });
  expect(seen.map((a) => a.status)).toEqual([200, 503, 500]);
  return seen;
}

describe.each(ADAPTERS)('%s: a throwing telemetry SDK never changes a request', (adapter) => {
  it('a span processor that throws on start and on end', async () => {
    const expected = await baseline(adapter);
    const warnings = captureDiag();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new ThrowingSpanProcessor()] });
    const { answers: seen } = await answers(adapter, { tracerProvider, httpInstrumentation: 'switchyard' });
    expect(seen).toEqual(expected);
    // Reported once, not once per request.
    expect(warnings.filter((w) => w.includes('server telemetry'))).toHaveLength(1);
  });

  it('a metric instrument that throws on record', async () => {
    const expected = await baseline(adapter);
    const warnings = captureDiag();
    const otel = createInMemoryOtel();
    cleanups.push(() => otel.shutdown());
    const { answers: seen } = await answers(adapter, {
      tracerProvider: otel.tracerProvider,
      meterProvider: throwingMeterProvider(otel.meterProvider),
      httpInstrumentation: 'switchyard',
    });
    expect(seen).toEqual(expected);
    expect(warnings.filter((w) => w.includes('server telemetry'))).toHaveLength(1);
    // The span still ended even though the metric failed first.
    expect(otel.spans.ended.filter((s) => s.kind === 1)).toHaveLength(3);
  });

  it('a log processor that throws: registration and requests carry on', async () => {
    const expected = await baseline(adapter);
    const warnings = captureDiag();
    const loggerProvider = new LoggerProvider({ processors: [new ThrowingLogProcessor()] });
    cleanups.push(() => loggerProvider.shutdown());
    const { answers: seen, app } = await answers(
      adapter,
      { httpInstrumentation: 'switchyard' },
      {
        service: 'shop',
        loggerProvider,
      },
    );
    expect(await app.registered).toMatch(/^shop-127\.0\.0\.1:\d+$/);
    expect(seen).toEqual(expected);
    expect(warnings.filter((w) => w.includes('lifecycle log record'))).toHaveLength(1);
  });

  it('a healthy log processor still gets the records (baseline for the test above)', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const { SimpleLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
    const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    cleanups.push(() => loggerProvider.shutdown());
    const { app } = await answers(adapter, { httpInstrumentation: 'switchyard' }, { service: 'shop', loggerProvider });
    await app.registered;
    expect(exporter.getFinishedLogRecords().map((r) => r.eventName)).toContain('switchyard.instance.registered');
  });
});
