// Worker thread for the express benchmark: one Express app on 127.0.0.1 (port 0) in the
// variant named by workerData, on its own thread so the load generator does not share
// its event loop. Plain JS so it loads the built packages without a TypeScript loader.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient, StaticRegistry } from '@switchyard/core';
import { switchyard } from '@switchyard/express';
import express from 'express';

class SilentReader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}

const variant = workerData.variant;
const app = express();
const registry = new StaticRegistry({ services: { catalog: [{ host: '127.0.0.1', port: 9 }] } });
const client = createClient({ registry });
if (variant === 'middleware') app.use(switchyard({ client }));
if (variant === 'middleware-off') app.use(switchyard({ client, telemetry: false }));
if (variant === 'middleware-sdk') {
  const telemetry = {
    tracerProvider: new BasicTracerProvider(),
    meterProvider: new MeterProvider({ readers: [new SilentReader()] }),
  };
  app.use(switchyard({ client, telemetry }));
}
const body = { id: 0, name: 'item', price: 9.5 };
app.get('/items/:id', (_req, res) => {
  res.json(body);
});
const server = app.listen(0, '127.0.0.1', () => {
  parentPort.postMessage({ port: server.address().port });
});
server.keepAliveTimeout = 60_000;
parentPort.on('message', (message) => {
  // Busy time of this thread's event loop (ms): the server's own cost, whatever the load generator does.
  if (message === 'busy') parentPort.postMessage({ busyMs: performance.eventLoopUtilization().active });
  if (message === 'close') {
    server.closeAllConnections();
    server.close(() => {
      void client.close().then(() => process.exit(0));
    });
  }
});
