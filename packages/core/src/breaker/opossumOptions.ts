import {
  booleanOption,
  finiteNumber,
  fn,
  integer,
  knownKeys,
  nonEmptyString,
  plainObject,
  withMethods,
} from '../common/validate.js';

import { ConfigError } from '../errors/ConfigError.js';
import { MAX_TIMER_DELAY_MS } from '../policy/sleep.js';

/** The longest delay a timer takes; beyond it Node fires at once. */

type Check = (option: string, value: unknown) => void;

const ms: Check = (option, value) => finiteNumber(option, value, 0, MAX_TIMER_DELAY_MS);
const flag: Check = booleanOption;
/** `cache` and `coalesce` are refused unless false: calls through one breaker guard different functions. */
const off: Check = (option, value) => {
  if (value !== false) throw new ConfigError(option, 'false (calls guard different functions)', value);
};

/**
 * The opossum 9 options `OpossumBreaker` passes on, each with its check. Cache and
 * coalesce settings are left out: those features are refused, so their tuning is a mistake.
 */
const CHECKS: Readonly<Record<string, Check>> = {
  timeout: (option, value) => {
    if (value !== false) finiteNumber(option, value, 0, MAX_TIMER_DELAY_MS);
  },
  resetTimeout: ms,
  rollingCountTimeout: (option, value) => integer(option, value, 1, MAX_TIMER_DELAY_MS),
  rollingCountBuckets: (option, value) => integer(option, value, 1, 10_000),
  name: nonEmptyString,
  group: nonEmptyString,
  rollingPercentilesEnabled: flag,
  capacity: (option, value) => integer(option, value, 1),
  errorThresholdPercentage: (option, value) => finiteNumber(option, value, 0, 100),
  enabled: flag,
  allowWarmUp: flag,
  volumeThreshold: (option, value) => integer(option, value, 0),
  maxFailures: (option, value) => integer(option, value, 0),
  errorFilter: fn,
  handle: () => {}, // checked as an ErrorFilter by the breaker
  cache: off,
  coalesce: off,
  abortController: (option, value) => withMethods(option, value, ['abort'], 'an AbortController'),
  autoRenewAbortController: flag,
  enableSnapshots: flag,
  rotateBucketController: (option, value) => withMethods(option, value, ['on', 'emit'], 'an EventEmitter'),
};

/** Validates `OpossumBreaker` options: a typo or a wrong type is a ConfigError naming `opossum.<option>`. */
export function checkOpossumOptions(value: unknown): void {
  const options = plainObject('opossum', value);
  knownKeys('opossum.', options, Object.keys(CHECKS));
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (CHECKS[key] as Check)(`opossum.${key}`, value);
  }
}
