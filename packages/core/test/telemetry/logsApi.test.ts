// Issue 9, case 1: Switchyard must log through the Logs API the installed SDK line listens on.
// The workspace runs SDK 2 (api 1.9, no `logs` on the API), so the fallback is the one exercised
// here with the real packages; the SDK 3 path (api 1.10's `logs`) runs in .ci/consumers.sh.
import { logs as apiLogs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { logs, logsApiSource, resolveLogs, SeverityNumber } from '../../src/telemetry/logsApi.js';

describe('issue 9 case 1: the Logs API Switchyard logs through', () => {
  afterEach(() => apiLogs.disable());

  it('falls back to @opentelemetry/api-logs when @opentelemetry/api has no logs (SDK 2)', () => {
    expect(logsApiSource).toBe('@opentelemetry/api-logs');
    expect(logs).toBe(apiLogs);
  });

  it('a record emitted on the resolved API reaches the provider SDK 2 registered', () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    apiLogs.setGlobalLoggerProvider(provider);
    logs.getLogger('test').emit({ eventName: 'e', severityNumber: SeverityNumber.WARN, body: 'b' });
    expect(exporter.getFinishedLogRecords().map((record) => record.eventName)).toEqual(['e']);
  });

  it('prefers the API’s own logs when it has them (api 1.10, SDK 3)', () => {
    const own = {
      getLogger: () => ({ emit() {} }),
      setGlobalLoggerProvider: () => true,
      getLoggerProvider: () => own,
      disable() {},
    };
    const fallbackCalls: string[] = [];
    const resolved = resolveLogs(own, () => {
      fallbackCalls.push('loaded');
      return apiLogs;
    });
    expect(resolved.source).toBe('@opentelemetry/api');
    expect(resolved.logs).toBe(own);
    expect(fallbackCalls).toEqual([]);
  });

  it('without either API, records go nowhere and emitting does not throw', () => {
    const resolved = resolveLogs(undefined, () => undefined);
    expect(resolved.source).toBe('none');
    expect(() => resolved.logs.getLogger('test').emit({ body: 'x' })).not.toThrow();
    expect(resolved.logs.setGlobalLoggerProvider(resolved.logs)).toBe(false);
  });

  it('an object that is not a Logs API is ignored', () => {
    expect(resolveLogs({ getLogger: 'no' }, () => ({})).source).toBe('none');
  });
});
