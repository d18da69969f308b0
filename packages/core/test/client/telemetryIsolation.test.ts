// Telemetry never changes a call: a span processor, metric instruments, a log processor or
// a channel subscriber that throws leaves every call's outcome, the instances it reached and
// the breakers' decisions exactly as they are with telemetry off.
import { type DiagLogger, DiagLogLevel, diag, type Meter, type MeterProvider } from '@opentelemetry/api';
import { LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  createClient,
  type Disposable,
  SWITCHYARD_CHANNELS,
  type SwitchyardChannelKey,
  SwitchyardTelemetry,
  subscribe,
} from '@switchyard/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestMetricReader } from '../../../../test/support/otel.js';
import { cartRegistry, startServer, type TestServer } from './servers.js';

interface Outcome {
  readonly statuses: number[];
  readonly goodHits: number;
  readonly badHits: number;
  readonly breakers: string[];
}

let good: TestServer;
let bad: TestServer;

beforeEach(async () => {
  good = await startServer('good');
  bad = await startServer('bad', { status: 500 });
});

afterEach(async () => {
  await good.close();
  await bad.close();
});

/** 20 sequential GETs, round-robin over one healthy and one failing instance, breakers tripping early. */
async function run(telemetry: SwitchyardTelemetry | false): Promise<Outcome> {
  good.requests.length = 0;
  bad.requests.length = 0;
  const registry = cartRegistry(good, bad);
  const client = createClient({
    registry,
    telemetry,
    balancer: 'round-robin',
    breaker: { slidingWindowSize: 4, minimumNumberOfCalls: 2, waitDurationInOpenState: 60_000 },
    retry: { maxAttempts: 2, initialDelayMs: 0, jitter: 'none', budget: false },
  });
  const statuses: number[] = [];
  try {
    for (let i = 0; i < 20; i++) statuses.push((await client.fetch('cart', '/items')).status);
    const breakers = client.runtime('cart').breakers;
    const { instances } = await registry.resolve('cart');
    return {
      statuses,
      goodHits: good.hits,
      badHits: bad.hits,
      breakers: ['good', 'bad'].map((id) => {
        const instance = instances.find((i) => i.id === id);
        return instance === undefined ? 'gone' : (breakers?.get(instance).state ?? 'none');
      }),
    };
  } finally {
    await client.close();
    await registry.close();
  }
}

const boom = (): never => {
  throw new Error('telemetry exploded');
};

describe('telemetry that throws never changes a call', () => {
  let baseline: Outcome;

  beforeEach(async () => {
    baseline = await run(false);
    // The scenario must exercise the breaker: the failing instance is ejected.
    expect(baseline.breakers).toEqual(['closed', 'open']);
    expect(baseline.statuses.every((s) => s === 200)).toBe(true);
  });

  it('a span processor whose onStart and onEnd throw', async () => {
    const processor: SpanProcessor = {
      onStart: boom,
      onEnd: boom,
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [processor] });
    const telemetry = new SwitchyardTelemetry({ tracerProvider, httpInstrumentation: 'switchyard' });
    expect(await run(telemetry)).toEqual(baseline);
    telemetry.dispose();
  });

  it('metric instruments whose record and add throw, and a collection that reads them', async () => {
    const reader = new TestMetricReader();
    const sdk = new SdkMeterProvider({ readers: [reader] });
    const meterProvider: MeterProvider = {
      getMeter: (...args: Parameters<MeterProvider['getMeter']>) => throwingMeter(sdk.getMeter(...args)),
    };
    const telemetry = new SwitchyardTelemetry({ meterProvider, httpInstrumentation: 'switchyard' });
    expect(await run(telemetry)).toEqual(baseline);
    await expect(reader.collect()).resolves.toBeDefined();
    telemetry.dispose();
    await sdk.shutdown();
  });

  it('a log processor whose onEmit throws (breaker transitions and ejections are logged)', async () => {
    let emitted = 0;
    const processor: LogRecordProcessor = {
      onEmit: () => {
        emitted++;
        boom();
      },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    const loggerProvider = new LoggerProvider({ processors: [processor] });
    const telemetry = new SwitchyardTelemetry({ loggerProvider });
    expect(await run(telemetry)).toEqual(baseline);
    // The records were really attempted: the processor threw on each.
    expect(emitted).toBeGreaterThan(0);
    telemetry.dispose();
  });

  it('a diagnostics subscriber of every channel that throws, reported once per subscriber through diag', async () => {
    const errors: string[] = [];
    const logger: DiagLogger = {
      error: (message) => errors.push(message),
      warn: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(logger, DiagLogLevel.ERROR);
    const keys = Object.keys(SWITCHYARD_CHANNELS) as SwitchyardChannelKey[];
    const calls = new Map<SwitchyardChannelKey, number>();
    const subscriptions: Disposable[] = keys.map((key) =>
      subscribe(key, () => {
        calls.set(key, (calls.get(key) ?? 0) + 1);
        boom();
      }),
    );
    try {
      expect(await run(false)).toEqual(baseline);
    } finally {
      for (const s of subscriptions) s.dispose();
      diag.disable();
    }
    // Picks, attempts, calls and breaker events all reached their throwing subscribers...
    for (const key of ['pick', 'attemptEnd', 'callStart', 'callEnd', 'breakerState', 'ejection'] as const) {
      expect(calls.get(key) ?? 0, key).toBeGreaterThan(0);
    }
    // ...and each subscriber's failure was reported once, however often it threw.
    const reported = [...calls.keys()].map((key) => SWITCHYARD_CHANNELS[key]);
    expect(errors).toHaveLength(reported.length);
    for (const name of reported) expect(errors.some((e) => e.includes(name))).toBe(true);
  });
});

describe('closing a client whose telemetry throws', () => {
  it('resolves even when the meter throws while its callback is removed', async () => {
    const sdk = new SdkMeterProvider({ readers: [new TestMetricReader()] });
    const meterProvider: MeterProvider = {
      getMeter: (...args: Parameters<MeterProvider['getMeter']>) =>
        new Proxy(sdk.getMeter(...args), {
          get: (target, key, receiver) => {
            if (key === 'removeBatchObservableCallback') return boom;
            const value = Reflect.get(target, key, receiver) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        }),
    };
    const registry = cartRegistry(good);
    const client = createClient({ registry, telemetry: { meterProvider } });
    expect((await client.fetch('cart', '/')).status).toBe(200);
    await expect(client.close()).resolves.toBeUndefined();
    await registry.close();
    await sdk.shutdown();
  });
});

/** The SDK's meter, with instruments whose every recording throws. */
function throwingMeter(meter: Meter): Meter {
  const throwing = <T extends object>(instrument: T): T =>
    new Proxy(instrument, {
      get: (target, key, receiver) => (key === 'add' || key === 'record' ? boom : Reflect.get(target, key, receiver)),
    });
  return new Proxy(meter, {
    get: (target, key, receiver) => {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (key === 'createCounter' || key === 'createHistogram' || key === 'createUpDownCounter') {
        return (...args: unknown[]) => throwing((value as (...a: unknown[]) => object).apply(target, args));
      }
      if (key === 'addBatchObservableCallback') {
        // The callback runs at collection: make every observation throw there too.
        return (callback: Parameters<Meter['addBatchObservableCallback']>[0], observables: never[]) =>
          (value as Meter['addBatchObservableCallback']).call(
            target,
            () => callback({ observe: boom } as never),
            observables,
          );
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}
