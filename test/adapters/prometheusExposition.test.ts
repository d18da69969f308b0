// Both adapters in one process, scraped by one Prometheus exporter: each metric is one
// family. Before, each adapter recorded http.server.request.duration under its own meter
// scope and the exporter wrote two families of one name ("second HELP line" for promtool).
// When promtool is installed (CI installs Debian's prometheus), it checks the whole page.
import { execFileSync, spawnSync } from 'node:child_process';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { StaticRegistry } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { send, startDownstream } from '../express/support.js';
import { type RunningApp, startApp } from './apps.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function hasPromtool(): boolean {
  return spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
}

describe('the Prometheus exposition with both adapters in one process', () => {
  it('has one family per metric name, and passes promtool check metrics', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    cleanups.push(() => meterProvider.shutdown());
    const upstream = await startDownstream();
    cleanups.push(() => upstream.close());
    const registry = new StaticRegistry({ services: { catalog: [{ host: '127.0.0.1', port: upstream.port }] } });
    cleanups.push(() => registry.close());
    const telemetry = { meterProvider, httpInstrumentation: 'switchyard' as const };
    const apps: RunningApp[] = [];
    for (const adapter of ['express', 'nestjs'] as const) {
      const app = await startApp(adapter, { registry, client: { telemetry: { meterProvider } }, telemetry });
      cleanups.push(() => app.close());
      apps.push(app);
    }
    for (const app of apps) expect((await send(`${app.url}/proxy`).response).status).toBe(200);

    const { resourceMetrics } = await exporter.collect();
    const page = new PrometheusSerializer().serialize(resourceMetrics);
    const helps = page.split('\n').filter((line) => line.startsWith('# HELP '));
    const names = helps.map((line) => line.split(' ')[2]);
    expect(names).toContain('http_server_request_duration');
    expect(names).toContain('http_client_request_duration');
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
    // Both adapters' requests are in the one server family.
    const serverCounts = page
      .split('\n')
      .filter((line) => line.startsWith('http_server_request_duration_count{'))
      .map((line) => Number(line.split(' ').at(-1)));
    expect(serverCounts.reduce((a, b) => a + b, 0)).toBe(2);

    // CI installs promtool (.ci/run): there the check must run, not be skipped.
    if (process.env.CI !== undefined) expect(hasPromtool()).toBe(true);
    if (hasPromtool()) {
      // promtool reads the page on stdin and exits non-zero on a format error or a lint problem.
      const out = execFileSync('promtool', ['check', 'metrics'], { input: page, encoding: 'utf8' });
      expect(out).toBe('');
    }
  });
});
