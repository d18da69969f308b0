import * as diagnosticsChannel from 'node:diagnostics_channel';
import { type Attributes, SpanKind, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { AttemptFacts, AttemptHandle, AttemptTracer } from '../client/AttemptTracer.js';
import type { Clock } from '../common/Clock.js';
import type { Instance } from '../registry/Instance.js';
import { Attempt } from './AttemptHandle.js';
import { contextWith } from './contextWith.js';
import type { Instruments } from './createInstruments.js';
import { HttpTargets } from './HttpTargets.js';
import { canonicalHttpMethod, fullUrlOf } from './httpAttributes.js';
import type { HttpInstrumentationMode } from './httpTelemetryOptions.js';
import { ATTR, attemptSpanName, httpSpanName, INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './names.js';

const UNDICI_REQUEST_CREATE = 'undici:request:create';

export interface AttemptSpansOptions {
  readonly mode: HttpInstrumentationMode;
  readonly tracerProvider: TracerProvider;
  readonly knownMethods: ReadonlySet<string>;
  readonly clock: Clock;
  readonly instruments: () => Instruments;
}

/**
 * One CLIENT span per attempt, the active context while its transport runs: for
 * `client.fetch` named `{method}` with the stable HTTP attributes and the
 * `http.client.request.duration` measurement; for `client.call` named `call {service}`.
 * In `external` mode (or `auto` while OpenTelemetry's undici instrumentation listens),
 * HTTP attempts get no span of ours and no trace headers: that instrumentation makes them.
 */
export class AttemptSpans implements AttemptTracer {
  private tracerInstance: Tracer | undefined;
  private readonly http = new HttpTargets();
  private readonly attemptAttributes = new WeakMap<Instance, Attributes>();
  // Holding the channel keeps it alive, so `hasSubscribers` sees subscribers added by name.
  private readonly undiciChannel = diagnosticsChannel.channel(UNDICI_REQUEST_CREATE);

  constructor(private readonly options: AttemptSpansOptions) {}

  /** True when HTTP spans and `http.client.request.duration` are left to external instrumentation right now. */
  httpIsExternal(): boolean {
    const mode = this.options.mode;
    return mode === 'external' || (mode === 'auto' && this.undiciChannel.hasSubscribers);
  }

  start(facts: AttemptFacts): AttemptHandle | undefined {
    if (facts.http !== undefined) {
      // No span of ours, but the transport still runs in the caller's context for theirs.
      if (this.httpIsExternal()) {
        return new Attempt(facts.parentContext, undefined, this.options.clock, 0, undefined, undefined);
      }
      return this.startHttp(facts, facts.http.method, facts.http.url);
    }
    return this.startCall(facts);
  }

  private startHttp(facts: AttemptFacts, requestMethod: string, url: string): AttemptHandle {
    const { clock, knownMethods } = this.options;
    const instruments = this.options.instruments();
    const parent = facts.parentContext;
    const method = canonicalHttpMethod(requestMethod, knownMethods);
    const attributes = this.http.attributes(url, facts.instance, undefined, method);
    const span = this.tracer.startSpan(
      httpSpanName(method),
      { kind: SpanKind.CLIENT, attributes: attributes.base },
      parent,
    );
    if (span.isRecording()) {
      // Sampler-visible attributes went in at start; the rest only when someone records.
      span.setAttribute(ATTR.urlFull, fullUrlOf(new URL(url)));
      if (method !== requestMethod) span.setAttribute(ATTR.httpRequestMethodOriginal, requestMethod);
      if (facts.resendCount > 0) span.setAttribute(ATTR.httpRequestResendCount, facts.resendCount);
      span.setAttribute(ATTR.service, facts.service);
      span.setAttribute(ATTR.instanceId, facts.instance.id);
    }
    const duration = instruments.recording ? instruments.httpDuration : undefined;
    return new Attempt(
      contextWith(parent, span),
      span,
      clock,
      duration === undefined ? 0 : clock.now(),
      duration,
      attributes,
    );
  }

  private startCall(facts: AttemptFacts): AttemptHandle {
    const parent = facts.parentContext;
    const span = this.tracer.startSpan(
      attemptSpanName(facts.service),
      { kind: SpanKind.CLIENT, attributes: this.attemptBase(facts.service, facts.instance) },
      parent,
    );
    if (facts.resendCount > 0 && span.isRecording()) span.setAttribute(ATTR.resendCount, facts.resendCount);
    return new Attempt(contextWith(parent, span), span, this.options.clock, 0, undefined, undefined);
  }

  private get tracer(): Tracer {
    this.tracerInstance ??= this.options.tracerProvider.getTracer(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
    return this.tracerInstance;
  }

  private attemptBase(service: string, instance: Instance): Attributes {
    let attributes = this.attemptAttributes.get(instance);
    if (attributes === undefined || attributes[ATTR.service] !== service) {
      attributes = Object.freeze({
        [ATTR.service]: service,
        [ATTR.instanceId]: instance.id,
        [ATTR.serverAddress]: instance.host,
        [ATTR.serverPort]: instance.port,
      });
      this.attemptAttributes.set(instance, attributes);
    }
    return attributes;
  }
}
