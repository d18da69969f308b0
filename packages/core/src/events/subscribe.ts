import * as diagnosticsChannel from 'node:diagnostics_channel';
import { diag } from '@opentelemetry/api';
import type { Disposable } from '../common/Disposable.js';
import { SWITCHYARD_CHANNELS, type SwitchyardChannelKey, type SwitchyardMessages } from './channels.js';

/**
 * Listens to one Switchyard channel until disposed. Unlike a bare
 * `diagnostics_channel.subscribe`, whose throwing subscriber becomes an
 * `uncaughtException`, a listener that throws here is caught and reported once through
 * OpenTelemetry's `diag`; the call that published is never affected.
 */
export function subscribe<K extends SwitchyardChannelKey>(
  key: K,
  listener: (message: SwitchyardMessages[K]) => void,
): Disposable {
  const name = SWITCHYARD_CHANNELS[key];
  let reported = false;
  const guarded = (message: unknown): void => {
    try {
      listener(message as SwitchyardMessages[K]);
    } catch (error) {
      if (reported) return;
      reported = true;
      try {
        diag.error(`Switchyard: a subscriber of ${name} threw; further errors of it are not reported`, error);
      } catch {
        // A throwing diag logger must not reach the publisher either.
      }
    }
  };
  diagnosticsChannel.subscribe(name, guarded);
  let active = true;
  return {
    dispose: () => {
      if (!active) return;
      active = false;
      diagnosticsChannel.unsubscribe(name, guarded);
    },
  };
}
