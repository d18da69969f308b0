// Child process of the load suite: serves GET /x on 127.0.0.1 (port 0) and, per request,
// calls the backend (port argv[3]) the way argv[2] names, then answers 200; 502 if the
// call failed, so autocannon counts it as non-2xx. The suite stops it by signal.
import { createServer } from 'node:http';
import { makeCaller } from './calls.mjs';
import { onParentMessage, sendToParent } from './ipc.mjs';

const { call } = makeCaller(process.argv[2], Number(process.argv[3]));
const server = createServer((_req, res) => {
  call().then(
    () => res.end('ok'),
    () => {
      res.statusCode = 502;
      res.end();
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => sendToParent({ port: server.address().port }));
// Only the suite's CPU questions (answered in ipc.mjs) come by message: it stops this child by signal.
onParentMessage(() => {});
