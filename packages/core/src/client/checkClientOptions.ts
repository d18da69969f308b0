import type { ClientOptions } from './ClientOptions.js';
import { resolveClientOptions } from './resolveClientOptions.js';

/**
 * Throws the ConfigError `createClient(options)` would, without making a client (nor, for
 * options whose `telemetry` is `false`, anything at all): for adapters that check client
 * options at startup and create the client later.
 */
export function checkClientOptions(options: ClientOptions): void {
  resolveClientOptions(options);
}
