// `@switchyard/core/telemetry`: starts an OpenTelemetry SDK for applications that do
// not bring their own. This is the only file in core that imports SDK packages; the
// library itself (SwitchyardTelemetry) uses @opentelemetry/api (and api-logs for SDK 2) only.
// The SDK imports work with both lines: `sdk-trace` is 2.12+ or 3.x (SDK 3 dropped sdk-trace-base),
// sdk-logs 0.223+ or 3.x, the rest 2.x or 3.x; the logs global is the one that line listens on.
// Exporter packages are imported on demand, so only the chosen ones need installing.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type MeterProvider as ApiMeterProvider,
  type Attributes,
  context,
  DiagConsoleLogger,
  DiagLogLevel,
  diag,
  metrics,
  propagation,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  LoggerProvider,
  type LogRecordExporter,
  type LogRecordProcessor,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  ConsoleMetricExporter,
  type IMetricReader,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type Sampler,
  TracerProvider as SdkTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import {
  arrayOf,
  booleanOption,
  finiteNumber,
  integer,
  knownKeys,
  nonEmptyString,
  oneOf,
  plainObject,
  stringRecord,
  withMethods,
} from '../common/validate.js';
import { ConfigError } from '../errors/ConfigError.js';
import { MAX_TIMER_DELAY_MS } from '../policy/sleep.js';
import { HOST_ALLOWED, isHostName } from '../registry/hostName.js';
import { type LoggerProvider as ApiLoggerProvider, logs } from './logsApi.js';

/** Where a signal goes. `prometheus` serves metrics for scraping; for traces and logs it means `none`. */
export type ExporterKind = 'console' | 'otlp' | 'prometheus' | 'none';

export type DiagLevelName = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

const EXPORTER_KINDS: readonly ExporterKind[] = ['console', 'otlp', 'prometheus', 'none'];
const DIAG_LEVELS: Readonly<Record<DiagLevelName, DiagLogLevel>> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

export interface StartTelemetryOptions {
  /** `service.name` of this process. */
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** `service.instance.id`; default a random UUID. */
  readonly serviceInstanceId?: string;
  /** Extra resource attributes (they win over `OTEL_RESOURCE_ATTRIBUTES`). */
  readonly resourceAttributes?: Attributes;
  /** One exporter for every signal, or one per signal. Default `otlp`. */
  readonly exporter?:
    | ExporterKind
    | { readonly traces?: ExporterKind; readonly metrics?: ExporterKind; readonly logs?: ExporterKind };
  /** OTLP/HTTP (protobuf) settings; unset fields fall back to the `OTEL_EXPORTER_OTLP_*` variables. */
  readonly otlp?: {
    /** Base URL, e.g. `http://localhost:4318`; `/v1/traces`, `/v1/metrics`, `/v1/logs` are appended. */
    readonly endpoint?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly timeoutMillis?: number;
  };
  /** Prometheus scrape endpoint. Default `127.0.0.1:9464/metrics`; port 0 picks a free port. */
  readonly prometheus?: { readonly host?: string; readonly port?: number; readonly endpoint?: string };
  /** How often pushed metrics (console, otlp) are exported. Default 60 000 ms. */
  readonly metricExportIntervalMs?: number;
  readonly sampler?: Sampler;
  /** Added to the ones the exporter choice creates (e.g. an in-memory exporter in tests). */
  readonly spanProcessors?: readonly SpanProcessor[];
  // The interface, not the class: a class's private fields make the ESM and CommonJS declarations
  // of one SDK copy incompatible, and our declarations are read in either mode.
  readonly metricReaders?: readonly IMetricReader[];
  readonly logRecordProcessors?: readonly LogRecordProcessor[];
  /** Level of OpenTelemetry's own diagnostics (export failures) on the console. Default `warn`; `none` leaves `diag` alone. */
  readonly diagLogLevel?: DiagLevelName;
  /** Register the providers, W3C propagator and async context manager globally. Default true. */
  readonly registerGlobals?: boolean;
}

/** Every key of `StartTelemetryOptions`, to refuse typos; typed so a new option fails to compile here. */
const OPTION_KEYS: Readonly<Record<keyof StartTelemetryOptions, true>> = {
  serviceName: true,
  serviceVersion: true,
  serviceInstanceId: true,
  resourceAttributes: true,
  exporter: true,
  otlp: true,
  prometheus: true,
  metricExportIntervalMs: true,
  sampler: true,
  spanProcessors: true,
  metricReaders: true,
  logRecordProcessors: true,
  diagLogLevel: true,
  registerGlobals: true,
};

export interface TelemetryHandle {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: ApiMeterProvider;
  readonly loggerProvider: ApiLoggerProvider;
  /** The Prometheus scrape URL once it listens; undefined otherwise. */
  readonly metricsUrl: string | undefined;
  /** Pushes buffered telemetry; export failures are reported through `diag`, never thrown. */
  forceFlush(): Promise<void>;
  /** Flushes, stops exporters and the scrape server, and unregisters what this call registered. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing, metrics and logs for this process and (by default) registers them as
 * the OpenTelemetry globals, where `SwitchyardTelemetry` finds them. Call it before the
 * first Switchyard call. Export failures are logged through `diag` and never crash the process.
 */
export async function startTelemetry(options: StartTelemetryOptions): Promise<TelemetryHandle> {
  knownKeys('', plainObject('options', options), Object.keys(OPTION_KEYS));
  const serviceName = nonEmptyString('serviceName', options.serviceName);
  if (options.serviceVersion !== undefined) nonEmptyString('serviceVersion', options.serviceVersion);
  if (options.serviceInstanceId !== undefined) nonEmptyString('serviceInstanceId', options.serviceInstanceId);
  if (options.resourceAttributes !== undefined) resourceAttributesOption(options.resourceAttributes);
  if (options.sampler !== undefined) withMethods('sampler', options.sampler, ['shouldSample']);
  if (options.spanProcessors !== undefined) {
    arrayOf('spanProcessors', options.spanProcessors, (at, item) =>
      withMethods(at, item, ['onStart', 'onEnd', 'forceFlush', 'shutdown']),
    );
  }
  if (options.metricReaders !== undefined) {
    arrayOf('metricReaders', options.metricReaders, (at, item) =>
      withMethods(at, item, ['setMetricProducer', 'collect', 'forceFlush', 'shutdown'], 'a MetricReader'),
    );
  }
  if (options.logRecordProcessors !== undefined) {
    arrayOf('logRecordProcessors', options.logRecordProcessors, (at, item) =>
      withMethods(at, item, ['onEmit', 'forceFlush', 'shutdown']),
    );
  }
  if (options.registerGlobals !== undefined) booleanOption('registerGlobals', options.registerGlobals);
  const kinds = exporterKinds(options.exporter);
  const diagLevel = options.diagLogLevel === undefined ? 'warn' : oneOf('diagLogLevel', options.diagLogLevel, levels());
  const intervalMs =
    options.metricExportIntervalMs === undefined
      ? 60_000
      : finiteNumber('metricExportIntervalMs', options.metricExportIntervalMs, 1, MAX_TIMER_DELAY_MS);
  const otlp = otlpOptions(options.otlp);
  const prometheus = prometheusOptions(options.prometheus);

  const diagSet = diagLevel !== 'none';
  if (diagSet)
    diag.setLogger(new DiagConsoleLogger(), { logLevel: DIAG_LEVELS[diagLevel], suppressOverrideMessage: true });

  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(
      resourceFromAttributes({
        'service.name': serviceName,
        'service.instance.id': options.serviceInstanceId ?? randomUUID(),
        ...(options.serviceVersion === undefined ? {} : { 'service.version': options.serviceVersion }),
        ...options.resourceAttributes,
      }),
    );

  const spanProcessors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  const traceExporter = await spanExporter(kinds.traces, otlp);
  if (traceExporter !== undefined) {
    spanProcessors.unshift(
      kinds.traces === 'console'
        ? new SimpleSpanProcessor({ exporter: traceExporter })
        : new BatchSpanProcessor({ exporter: traceExporter }),
    );
  }

  const readers: IMetricReader[] = [...(options.metricReaders ?? [])];
  let server: Server | undefined;
  let metricsUrl: string | undefined;
  if (kinds.metrics === 'prometheus') {
    const scrape = await startPrometheus(prometheus);
    readers.unshift(scrape.reader);
    server = scrape.server;
    metricsUrl = scrape.url;
  } else {
    const metricExporter = await pushMetricExporter(kinds.metrics, otlp);
    if (metricExporter !== undefined) {
      readers.unshift(
        new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: intervalMs }),
      );
    }
  }

  const logProcessors: LogRecordProcessor[] = [...(options.logRecordProcessors ?? [])];
  const logExporter = await logRecordExporter(kinds.logs, otlp);
  if (logExporter !== undefined) {
    logProcessors.unshift(
      kinds.logs === 'console'
        ? new SimpleLogRecordProcessor({ exporter: logExporter })
        : new BatchLogRecordProcessor({ exporter: logExporter }),
    );
  }

  const tracerProvider = new SdkTracerProvider({
    resource,
    spanProcessors,
    ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
  });
  const meterProvider = new MeterProvider({ resource, readers });
  const loggerProvider = new LoggerProvider({ resource, processors: logProcessors });

  const registered =
    options.registerGlobals === false ? undefined : registerGlobals(tracerProvider, meterProvider, loggerProvider);

  let shutdownPromise: Promise<void> | undefined;
  return {
    tracerProvider,
    meterProvider,
    loggerProvider,
    metricsUrl,
    async forceFlush() {
      report(
        'flush',
        await Promise.allSettled([
          tracerProvider.forceFlush(),
          meterProvider.forceFlush(),
          loggerProvider.forceFlush(),
        ]),
      );
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        report(
          'shutdown',
          await Promise.allSettled([
            tracerProvider.shutdown(),
            meterProvider.shutdown(),
            loggerProvider.shutdown(),
            closeServer(server),
          ]),
        );
        registered?.dispose();
        if (diagSet) diag.disable();
      })();
      return shutdownPromise;
    },
  };
}

function levels(): DiagLevelName[] {
  return Object.keys(DIAG_LEVELS) as DiagLevelName[];
}

function exporterKinds(
  exporter: StartTelemetryOptions['exporter'],
): Record<'traces' | 'metrics' | 'logs', ExporterKind> {
  if (exporter === undefined) return { traces: 'otlp', metrics: 'otlp', logs: 'otlp' };
  if (typeof exporter === 'string') {
    const kind = oneOf('exporter', exporter, EXPORTER_KINDS);
    return { traces: kind, metrics: kind, logs: kind };
  }
  knownKeys('exporter.', plainObject('exporter', exporter), ['traces', 'metrics', 'logs']);
  const pick = (signal: 'traces' | 'metrics' | 'logs'): ExporterKind =>
    exporter[signal] === undefined ? 'none' : oneOf(`exporter.${signal}`, exporter[signal], EXPORTER_KINDS);
  return { traces: pick('traces'), metrics: pick('metrics'), logs: pick('logs') };
}

interface OtlpSettings {
  readonly endpoint: string | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly timeoutMillis: number | undefined;
}

function otlpOptions(value: StartTelemetryOptions['otlp']): OtlpSettings {
  if (value === undefined) return { endpoint: undefined, headers: undefined, timeoutMillis: undefined };
  knownKeys('otlp.', plainObject('otlp', value), ['endpoint', 'headers', 'timeoutMillis']);
  return {
    endpoint: value.endpoint === undefined ? undefined : endpointOption(value.endpoint).replace(/\/+$/, ''),
    headers: value.headers === undefined ? undefined : { ...stringRecord('otlp.headers', value.headers) },
    timeoutMillis:
      value.timeoutMillis === undefined
        ? undefined
        : finiteNumber('otlp.timeoutMillis', value.timeoutMillis, 1, MAX_TIMER_DELAY_MS),
  };
}

function otlpConfig(settings: OtlpSettings, path: string) {
  return {
    ...(settings.endpoint === undefined ? {} : { url: `${settings.endpoint}${path}` }),
    ...(settings.headers === undefined ? {} : { headers: settings.headers }),
    ...(settings.timeoutMillis === undefined ? {} : { timeoutMillis: settings.timeoutMillis }),
  };
}

interface PrometheusSettings {
  readonly host: string;
  readonly port: number;
  readonly endpoint: string;
}

function prometheusOptions(value: StartTelemetryOptions['prometheus']): PrometheusSettings {
  if (value !== undefined) knownKeys('prometheus.', plainObject('prometheus', value), ['host', 'port', 'endpoint']);
  const host = value?.host;
  if (host !== undefined && (typeof host !== 'string' || !isHostName(host))) {
    throw new ConfigError('prometheus.host', HOST_ALLOWED, host);
  }
  const endpoint = value?.endpoint === undefined ? '/metrics' : nonEmptyString('prometheus.endpoint', value.endpoint);
  return {
    host: host ?? '127.0.0.1',
    port: value?.port === undefined ? 9464 : integer('prometheus.port', value.port, 0, 65535),
    endpoint: endpoint.startsWith('/') ? endpoint : `/${endpoint}`,
  };
}

function endpointOption(value: unknown): string {
  const text = nonEmptyString('otlp.endpoint', value);
  const allowed = 'an http:// or https:// base URL such as "http://localhost:4318"';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError('otlp.endpoint', allowed, value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('otlp.endpoint', allowed, value);
  return text;
}

/** OpenTelemetry attribute values: strings, finite numbers, booleans, or arrays of one of them. */
function resourceAttributesOption(value: unknown): void {
  const allowed = 'a string, number, boolean or an array of one of them';
  for (const [key, v] of Object.entries(plainObject('resourceAttributes', value))) {
    const ok = isAttributeScalar(v) || (Array.isArray(v) && v.every((item) => item == null || isAttributeScalar(item)));
    if (!ok) throw new ConfigError(`resourceAttributes.${key}`, allowed, v);
  }
}

function isAttributeScalar(value: unknown): boolean {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  );
}

async function spanExporter(kind: ExporterKind, otlp: OtlpSettings): Promise<SpanExporter | undefined> {
  if (kind === 'console') return new ConsoleSpanExporter();
  if (kind !== 'otlp') return undefined;
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter(otlpConfig(otlp, '/v1/traces'));
}

async function pushMetricExporter(kind: ExporterKind, otlp: OtlpSettings): Promise<PushMetricExporter | undefined> {
  if (kind === 'console') return new ConsoleMetricExporter();
  if (kind !== 'otlp') return undefined;
  const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
  return new OTLPMetricExporter(otlpConfig(otlp, '/v1/metrics'));
}

async function logRecordExporter(kind: ExporterKind, otlp: OtlpSettings): Promise<LogRecordExporter | undefined> {
  if (kind === 'console') return new ConsoleLogRecordExporter();
  if (kind !== 'otlp') return undefined;
  const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-http');
  return new OTLPLogExporter(otlpConfig(otlp, '/v1/logs'));
}

/**
 * The exporter's own server cannot listen on port 0 (it treats 0 as "use 9464") and
 * cannot report its address, so Switchyard serves the exporter's handler itself.
 */
async function startPrometheus(
  settings: PrometheusSettings,
): Promise<{ reader: IMetricReader; server: Server; url: string | undefined }> {
  const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
  const reader = new PrometheusExporter({ preventServerStart: true });
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if ((request.method === 'GET' || request.method === 'HEAD') && path === settings.endpoint) {
      reader.getMetricsRequestHandler(request, response);
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  // A scrape server that cannot listen (port taken) is reported, not thrown: metrics stay in memory.
  server.on('error', (error) =>
    diag.error(`Switchyard: Prometheus endpoint ${settings.host}:${settings.port} failed`, error),
  );
  const listening = await new Promise<boolean>((resolve) => {
    server.once('listening', () => resolve(true));
    server.once('error', () => resolve(false));
    server.listen(settings.port, settings.host);
  });
  server.unref();
  if (!listening) return { reader, server, url: undefined };
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { reader, server, url: `http://${host}:${address.port}${settings.endpoint}` };
}

function closeServer(server: Server | undefined): Promise<void> {
  if (server === undefined || !server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Registers what is free; a global someone else registered stays theirs (and is reported). */
function registerGlobals(
  tracerProvider: SdkTracerProvider,
  meterProvider: MeterProvider,
  loggerProvider: LoggerProvider,
): { dispose(): void } {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const done = {
    context: context.setGlobalContextManager(contextManager),
    propagation: propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    ),
    trace: trace.setGlobalTracerProvider(tracerProvider),
    metrics: metrics.setGlobalMeterProvider(meterProvider),
    logs: registeredLogs(loggerProvider),
  };
  const taken = Object.entries(done)
    .filter(([, ok]) => !ok)
    .map(([name]) => name);
  if (taken.length > 0)
    diag.warn(`Switchyard: OpenTelemetry globals already registered, left as they were: ${taken.join(', ')}`);
  if (!done.context) contextManager.disable();
  return {
    dispose() {
      if (done.trace) trace.disable();
      if (done.metrics) metrics.disable();
      if (done.logs) logs.disable();
      if (done.propagation) propagation.disable();
      if (done.context) context.disable();
    },
  };
}

/** api 1.10's `logs` answers true/false, api-logs answers the provider that stays registered. */
function registeredLogs(loggerProvider: LoggerProvider): boolean {
  const answer = logs.setGlobalLoggerProvider(loggerProvider);
  return answer === true || answer === loggerProvider;
}

function report(what: string, results: readonly PromiseSettledResult<unknown>[]): void {
  for (const result of results) {
    if (result.status === 'rejected') diag.error(`Switchyard telemetry ${what} failed`, result.reason);
  }
}
