// A plain node:http server on 127.0.0.1, so the load it answers does not compete with
// the client under test: in a worker thread (client suite) or a forked child process
// (load and profile suites), reporting its port to whichever parent started it.
import { createServer } from 'node:http';
import { onParentMessage, sendToParent } from './ipc.mjs';

const body = JSON.stringify({ ok: true });
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => sendToParent({ port: server.address().port }));
onParentMessage((message) => {
  if (message === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
