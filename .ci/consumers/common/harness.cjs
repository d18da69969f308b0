// Shared by every consumer app (plain CommonJS so the JavaScript, TypeScript, ESM and CommonJS
// apps can all load it): two local backends (one answers, one fails), a port nothing listens
// on, a tiny HTTP GET, and the check that telemetry arrived through the app's own SDK.
'use strict';
const http = require('node:http');

function listen(handler) {
  const server = http.createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function close(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Two backends of service `catalog` on 127.0.0.1, port 0: `ok` answers 200, `failing` 503. */
async function startBackends() {
  const ok = await listen((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ item: 42 }));
  });
  const failing = await listen((_req, res) => {
    res.statusCode = 503;
    res.end('unavailable');
  });
  const down = await listen(() => {});
  const downPort = down.address().port;
  await close(down); // a port nobody listens on: connection refused
  return {
    instances: [
      { host: '127.0.0.1', port: ok.address().port },
      { host: '127.0.0.1', port: failing.address().port },
    ],
    down: [{ host: '127.0.0.1', port: downPort }],
    close: () => Promise.all([close(ok), close(failing)]),
  };
}

/** Client options that make the failing backend's breaker open (and log it) within a few calls. */
const clientOptions = {
  balancer: 'round-robin',
  breaker: { slidingWindowSize: 2, minimumNumberOfCalls: 2, failureRateThreshold: 50 },
  retry: { maxAttempts: 3, initialDelayMs: 1 },
};

async function get(url) {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

/** Makes `calls` calls to `url`, each must answer 200 (the failing backend is retried around). */
async function callMany(url, calls = 6) {
  for (let i = 0; i < calls; i++) {
    const { status, text } = await get(url);
    if (status !== 200) throw new Error(`call ${i + 1} to ${url}: status ${status}: ${text}`);
  }
}

/**
 * Spans, metric names and log event names the app's SDK exported. `spans`: objects with
 * `name`, `kind` and `status.code` (ReadableSpan of either SDK line); `metrics`: ResourceMetrics
 * (InMemoryMetricExporter.getMetrics()); `logs`: ReadableLogRecord with `eventName`.
 */
function checkTelemetry(label, { spans, metrics, logs }, { server = false } = {}) {
  const metricNames = new Set();
  for (const resourceMetrics of metrics)
    for (const scope of resourceMetrics.scopeMetrics)
      for (const metric of scope.metrics) metricNames.add(metric.descriptor.name);
  const logEvents = new Set(logs.map((record) => record.eventName));
  const clientSpans = spans.filter((span) => span.kind === 2);
  const problems = [];
  if (!clientSpans.some((span) => span.status.code === 2)) problems.push('no failed client attempt span');
  if (!clientSpans.some((span) => span.status.code !== 2)) problems.push('no successful client attempt span');
  if (server && !spans.some((span) => span.kind === 1 && span.name === 'GET /checkout'))
    problems.push('no server span GET /checkout');
  const wantedMetrics = ['http.client.request.duration', 'switchyard.client.call.duration'];
  if (server) wantedMetrics.push('http.server.request.duration');
  for (const name of wantedMetrics) if (!metricNames.has(name)) problems.push(`no metric ${name}`);
  const wantedLogs = ['switchyard.circuit_breaker.state_change'];
  if (server) wantedLogs.push('switchyard.instance.registered');
  for (const name of wantedLogs) if (!logEvents.has(name)) problems.push(`no log record ${name}`);
  const summary = `${spans.length} spans, ${metricNames.size} metrics, ${logs.length} log records (${[...logEvents].join(', ')})`;
  if (problems.length > 0) throw new Error(`${label}: ${problems.join('; ')}\n  got ${summary}`);
  console.log(`${label}: ok: ${summary}`);
}

/** Runs `main`, prints the failure and exits 1 on error; a hung app is killed by the script's timeout. */
function run(main) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

module.exports = { startBackends, clientOptions, get, callMany, checkTelemetry, run };
