import { context as otelContext } from '@opentelemetry/api';
import { reportListenerError } from '../common/Event.js';
import { isCallerAbort } from '../errors/classify.js';
import { isHttpStatusError } from '../errors/HttpStatusError.js';
import { channels } from '../events/channels.js';
import { callAttempt } from '../policy/callAttempt.js';
import type { Instance } from '../registry/Instance.js';
import type { AttemptHandle, AttemptResult, AttemptTracer } from './AttemptTracer.js';
import type { Exchange } from './Exchange.js';

/** One step of an attempt: it may act before and after `next`, and hand data down on the exchange. */
export type Stage = <T>(exchange: Exchange<T>, next: (exchange: Exchange<T>) => Promise<T>) => Promise<T>;

/**
 * pick: the balancer chooses among the eligible instances (one the call has not tried
 * yet, if any), and the pick is published. A pick the instance's breaker refuses locally
 * sent nothing: the stage picks again among the others within the same attempt, so a
 * refusal costs no retry, no budget and no resend, until every instance has refused.
 * A breaker with `tryExecute` refuses as an outcome (`REFUSED`, decided synchronously),
 * so re-picking makes no error; only when every instance refused is the last one asked
 * through `execute`, for the error the attempt fails with.
 */
export const pickStage: Stage = <T>(exchange: Exchange<T>, next: (exchange: Exchange<T>) => Promise<T>): Promise<T> => {
  const first = pickOne(exchange, undefined);
  const sent = next(exchange);
  // Admitted at once (the native breaker decides synchronously): no refusal to wait for.
  if (exchange.admitted || exchange.call.runtime.breakers === undefined) return sent;
  if (sent === REFUSED) return repick(exchange, next, undefined, first);
  return sent.catch((error: unknown) => repick(exchange, next, error, first));
};

/**
 * What the breaker stage returns for a refusal made as an outcome; the pick stage never
 * passes it on. Handled up front, so it is never reported as an unhandled rejection.
 */
const REFUSED: Promise<never> = Promise.reject(new Error('refused pick (internal)'));
REFUSED.catch(() => undefined);

/**
 * Picks again after a local refusal, excluding every instance that refused this attempt.
 * `error` is the refusal's error, or undefined when it was an outcome.
 */
async function repick<T>(
  exchange: Exchange<T>,
  next: (exchange: Exchange<T>) => Promise<T>,
  error: unknown,
  first: string,
): Promise<T> {
  if (error !== undefined && exchange.refused !== first) throw error;
  const refused = new Set<string>([first]);
  let last = error;
  let lastInstance = exchange.picked;
  // Bounded: each round excludes one more instance (and the final ask happens once).
  for (;;) {
    const eligible = exchange.call.runtime.eligible().filter((i) => !refused.has(i.id));
    exchange.refused = undefined;
    exchange.admitted = false;
    let id: string;
    let sent: Promise<T>;
    if (eligible.length === 0) {
      // Everyone refused: the attempt fails as the last refusal (an open breaker's error).
      if (last !== undefined) throw last;
      exchange.instance = lastInstance;
      id = lastInstance.id;
      exchange.refusalAsError = true;
      sent = next(exchange);
      // The breaker admitted after all (its wait ran out meanwhile): that is the attempt.
      return sent;
    }
    id = pickOne(exchange, eligible);
    sent = next(exchange);
    if (sent === REFUSED) {
      refused.add(id);
      last = undefined;
      lastInstance = exchange.picked;
      continue;
    }
    try {
      return await sent;
    } catch (failure) {
      if (exchange.refused !== id) throw failure;
      refused.add(id);
      last = failure;
    }
  }
}

function pickOne<T>(exchange: Exchange<T>, among: readonly Instance[] | undefined): string {
  const call = exchange.call;
  const runtime = call.runtime;
  let instances = among ?? runtime.eligible();
  const tried = call.tried;
  if (tried !== undefined && tried.size > 0 && instances.length > 1) {
    const fresh = instances.filter((i) => !tried.has(i.id));
    if (fresh.length > 0) instances = fresh;
  }
  const balancer = runtime.balancer;
  const instance = balancer.pick(instances, call.pickContext);
  exchange.instance = instance;
  if (runtime.repeats) {
    call.tried ??= new Set();
    call.tried.add(instance.id);
  }
  if (channels.pick.hasSubscribers) {
    channels.pick.publish({
      client: call.client,
      service: runtime.service,
      instance,
      balancer: balancer.name,
      attempt: exchange.attempt,
    });
  }
  return instance.id;
}

/**
 * instance breaker: the picked instance's breaker admits the attempt or refuses it. A
 * refusal (the attempt was never sent) is marked on the exchange for the pick stage; a
 * breaker with `tryExecute` refuses without an error (`REFUSED`). The breaker gets the
 * caller's signal: a caller abort is not the instance's fault, while a timeout or a lost
 * hedge shows in the error itself.
 */
export const breakerStage: Stage = <T>(
  exchange: Exchange<T>,
  next: (exchange: Exchange<T>) => Promise<T>,
): Promise<T> => {
  const breakers = exchange.call.runtime.breakers;
  if (breakers === undefined) return next(exchange);
  const instance = exchange.picked;
  const breaker = breakers.get(instance);
  const admitted = (): Promise<T> => {
    exchange.admitted = true;
    return next(exchange);
  };
  if (breaker.tryExecute !== undefined && !exchange.refusalAsError) {
    const running = breaker.tryExecute(admitted, exchange.call.callerSignal);
    if (running !== undefined) return running;
    exchange.refused = instance.id;
    return REFUSED;
  }
  const running = breaker.execute(admitted, exchange.call.callerSignal);
  if (exchange.admitted) return running;
  return running.catch((error: unknown) => {
    if (!exchange.admitted) exchange.refused = instance.id;
    throw error;
  });
};

/**
 * feedback: an attempt that is really sent tells the balancer when it starts and ends
 * (least-request counts it in flight, peak-EWMA learns its latency), and its end is published.
 */
export const feedbackStage: Stage = (exchange, next) => {
  const call = exchange.call;
  const runtime = call.runtime;
  const balancer = runtime.balancer;
  const instance = exchange.picked;
  // A balancer hook that throws loses its feedback, never the attempt.
  try {
    balancer.onCallStart?.(instance);
  } catch (error) {
    reportListenerError(error, 'balancer onCallStart');
  }
  const onCallEnd = balancer.onCallEnd;
  const observed = channels.attemptEnd.hasSubscribers;
  // Only adaptive balancers and attempt observers need the two clock reads.
  if (onCallEnd === undefined && !observed) return next(exchange);
  const clock = runtime.clock;
  const begun = clock.now();
  const finish = (error: unknown, ok: boolean): void => {
    const endMs = clock.now();
    const latencyMs = endMs - begun;
    try {
      onCallEnd?.call(balancer, instance, { latencyMs, ok, endMs, clock });
    } catch (error) {
      reportListenerError(error, 'balancer onCallEnd');
    }
    if (observed) {
      channels.attemptEnd.publish({
        client: call.client,
        service: runtime.service,
        instance,
        attempt: exchange.attempt,
        error,
        durationMs: latencyMs,
      });
    }
  };
  return next(exchange).then(
    (value) => {
      finish(undefined, true);
      return value;
    },
    (error: unknown) => {
      finish(error, false);
      throw error;
    },
  );
};

/**
 * attempt span: the attempt's span is the active context while the transport runs, and
 * its trace headers go down to the transport. Telemetry that throws here is dropped for
 * this attempt: the transport runs exactly once either way, and its outcome is untouched.
 */
export function attemptSpanStage(tracer: AttemptTracer): Stage {
  return <T>(exchange: Exchange<T>, next: (exchange: Exchange<T>) => Promise<T>): Promise<T> => {
    const handle = startSafely(tracer, exchange);
    if (handle === undefined) return next(exchange);
    // Only an HTTP transport sends trace headers; `client.call`'s function reads the context.
    if (exchange.call.http !== undefined) exchange.traceHeaders = traceHeadersOf(handle);
    let ran = false;
    let result: Promise<T>;
    try {
      result = otelContext.with(handle.context, () => {
        ran = true;
        return callAttempt(() => next(exchange), exchange);
      });
    } catch (error) {
      if (ran) throw error;
      // The context manager failed before running the transport: run it without the span.
      endSafely(handle, { aborted: true });
      return next(exchange);
    }
    return result.then(
      (value) => {
        endSafely(handle, resultOf(value, exchange));
        return value;
      },
      (error: unknown) => {
        endSafely(handle, failureOf(error, exchange));
        throw error;
      },
    );
  };
}

function traceHeadersOf(handle: AttemptHandle): Record<string, string> | undefined {
  try {
    const carrier: Record<string, string> = {};
    handle.inject(carrier);
    for (const _ in carrier) return carrier;
  } catch {
    // A propagator that throws: the request goes without trace headers.
  }
  return undefined;
}

function startSafely<T>(tracer: AttemptTracer, exchange: Exchange<T>): AttemptHandle | undefined {
  const call = exchange.call;
  try {
    return tracer.start({
      service: call.runtime.service,
      instance: exchange.picked,
      resendCount: exchange.attempt,
      parentContext: call.parentContext,
      http: call.http === undefined ? undefined : { method: call.http.method, url: exchange.url },
    });
  } catch {
    return undefined;
  }
}

function endSafely(handle: AttemptHandle, result: AttemptResult): void {
  try {
    handle.end(result);
  } catch {
    // A span processor or instrument that throws must not change the attempt's outcome.
  }
}

const ANSWERED: AttemptResult = Object.freeze({});

function resultOf<T>(value: T, exchange: Exchange<T>): AttemptResult {
  // An HTTP transport answers with a fetch Response or a ServiceResponse: both carry `status`.
  if (exchange.call.http === undefined) return ANSWERED;
  return { statusCode: (value as { readonly status: number }).status };
}

function failureOf<T>(error: unknown, exchange: Exchange<T>): AttemptResult {
  // A failure status is an answer: the span records its status code, not an exception.
  if (exchange.call.http !== undefined && isHttpStatusError(error)) return { statusCode: error.status };
  return { error, aborted: isCallerAbort(exchange.signal) };
}
