// Entry point `@switchyard/core/opossum`: kept apart so `opossum` stays an optional peer dependency.
export type { OpossumBreakerOptions } from './breaker/OpossumBreaker.js';
export { OpossumBreaker } from './breaker/OpossumBreaker.js';
