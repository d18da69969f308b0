import type { Context } from '@opentelemetry/api';
import type { PickContext } from '../balancer/Balancer.js';
import { type AbortTarget, abortTargetOf } from '../policy/LazyAbort.js';
import type { AttemptContext } from '../policy/Policy.js';
import type { Instance } from '../registry/Instance.js';
import type { ServiceClient } from './ServiceClient.js';
import type { ServiceRuntime } from './ServiceRuntime.js';

/** Runs one attempt against the picked instance: the last stage of the path. */
export type Transport<T> = (exchange: Exchange<T>) => Promise<T>;

/** What one logical call carries down to every attempt; made once per call. */
export interface CallContext<T> {
  readonly client: ServiceClient;
  readonly runtime: ServiceRuntime;
  readonly pickContext: PickContext;
  /** The caller's trace context, taken before the first await. */
  readonly parentContext: Context;
  /** The caller's own signal: a caller abort is nobody's fault, unlike a timeout. */
  readonly callerSignal: AbortSignal | undefined;
  readonly transport: Transport<T>;
  /** For `client.fetch`: method and the URL for a picked instance (the span records them). */
  readonly http: { readonly method: string; readonly urlOf: (instance: Instance) => string } | undefined;
  /** Instances already tried, so a retry prefers another (made on the first retry). */
  tried: Set<string> | undefined;
}

/**
 * One attempt as it passes the stages: the call's context, the policies' attempt context
 * (signal and number), and what earlier stages found out (the picked instance, the
 * trace headers of the attempt span).
 */
export class Exchange<T> {
  instance: Instance | undefined = undefined;
  /** Set by the breaker stage once the picked instance's breaker let the attempt through. */
  admitted = false;
  /** Set by the breaker stage: the id of an instance whose breaker refused this attempt (nothing was sent). */
  refused: string | undefined = undefined;
  /** Set by the pick stage for its last ask once every instance refused: refuse with the breaker's error, not as an outcome. */
  refusalAsError = false;
  traceHeaders: Record<string, string> | undefined = undefined;
  private urlCache: string | undefined = undefined;
  private urlFor: Instance | undefined = undefined;

  constructor(
    readonly call: CallContext<T>,
    private readonly policy: AttemptContext,
  ) {}

  /** Aborted on timeout, caller abort or a winning hedge. */
  get signal(): AbortSignal {
    return this.policy.signal;
  }

  /** What aborts the attempt, for a transport that takes less than a signal; undefined when nothing can. */
  get abortTarget(): AbortTarget | undefined {
    return abortTargetOf(this.policy);
  }

  /** 0 for the first attempt; retries and hedges count up. */
  get attempt(): number {
    return this.policy.attempt;
  }

  /** The picked instance; the stages after `pick` may rely on it. */
  get picked(): Instance {
    return this.instance as Instance;
  }

  /** For `client.fetch`: the request URL on the picked instance, built once per attempt. */
  get url(): string {
    // A re-pick changes the instance: the URL follows it.
    if (this.urlCache === undefined || this.urlFor !== this.instance) {
      this.urlFor = this.instance;
      this.urlCache = (this.call.http as NonNullable<CallContext<T>['http']>).urlOf(this.picked);
    }
    return this.urlCache;
  }
}
