import { SwitchyardTelemetry } from '@switchyard/core';
import { describe, expect, it } from 'vitest';

describe('SwitchyardTelemetry without an SDK', () => {
  it('uses the no-op global providers: nothing is recorded, injected or thrown', () => {
    const telemetry = new SwitchyardTelemetry({ httpInstrumentation: 'switchyard' });
    const attempt = telemetry.startHttpAttempt({ method: 'GET', url: new URL('http://127.0.0.1/'), service: 's' });
    const headers: Record<string, string> = {};
    attempt.inject(headers);
    attempt.end({ statusCode: 500 });
    telemetry.startAttempt({ service: 's' }).end({ error: new Error('x') });
    telemetry.recordCall('s', 'success', 1);
    telemetry.recordBudgetExhausted('s');
    telemetry.recordWatchError('r', 's', new Error('x'));
    const tracking = telemetry.trackBulkhead('s', { inFlight: () => 1, queued: () => 0 });
    tracking.dispose();
    telemetry.dispose();
    expect(headers).toEqual({});
  });
});
