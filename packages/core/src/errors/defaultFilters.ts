// The default filters, in the one shape every policy and breaker takes. Exported so a
// breaker factory or a hand-built policy can start from (or keep) the defaults.
import { isAbortError, isTransientError } from './classify.js';
import { type ErrorFilter, handleWhen } from './ErrorFilter.js';
import { HttpStatusError } from './HttpStatusError.js';
import { readProperty } from './safeRead.js';

/** Read safely: a branded impostor (a Proxy) must not make a filter throw. */
const statusOf = (error: HttpStatusError): unknown => readProperty(error, 'status');

/** The default `handle` of `retry()` and `hedge()`: `handleWhen(isTransientError)`. */
export const transientErrors: ErrorFilter = handleWhen(isTransientError);

/**
 * What the client retries and hedges by default: transient errors, and any 5xx. A 500
 * from one instance is often that instance's problem, and only idempotent calls (or
 * ones never sent) are retried anyway.
 */
export const retryableForClient: ErrorFilter = transientErrors.orType(HttpStatusError, (error) => {
  const status = statusOf(error);
  return typeof status === 'number' && status >= 500;
});

/**
 * What the client's breakers ignore: an abort (a hedge that lost, a caller that left)
 * and a 4xx refusal (429 included) say nothing about the instance's health.
 */
export const ignoredByClientBreaker: ErrorFilter = handleWhen(isAbortError).orType(HttpStatusError, (error) => {
  const status = statusOf(error);
  return typeof status === 'number' && status < 500;
});
