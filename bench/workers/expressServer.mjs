// One Express app on 127.0.0.1 (port 0) in the variant named by workerData (a worker
// thread of the express suite) or argv[2] (a child process of the load suite), apart
// from the load generator so they do not share an event loop. Plain JS so it loads the
// built packages without a TypeScript loader.
import { workerData } from 'node:worker_threads';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient, StaticRegistry } from '@switchyard/core';
import { switchyard } from '@switchyard/express';
import express from 'express';
import { inWorkerThread, onParentMessage, sendToParent } from './ipc.mjs';

class SilentReader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}

const variant = inWorkerThread ? workerData.variant : process.argv[2];
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
  sendToParent({ port: server.address().port });
});
server.keepAliveTimeout = 60_000;
// 'busy' (event-loop busy ms, the server's own cost whatever the load generator does) is answered in ipc.mjs.
onParentMessage((message) => {
  if (message === 'close') {
    server.closeAllConnections();
    server.close(() => {
      void client.close().then(() => process.exit(0));
    });
  }
});
