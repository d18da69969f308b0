// The four ways the load and profile suites call the backend, each reading the whole
// body as a caller would. Every variant imports the same modules, so startup is alike.
import { createClient, StaticRegistry, SwitchyardTelemetry } from '@switchyard/core';
import { Agent } from 'undici';

/** Returns `call()` (one GET /items to the backend on `port`) and `close()`. */
export function makeCaller(variant, port) {
  const origin = `http://127.0.0.1:${port}`;
  const url = `${origin}/items`;
  const registry = new StaticRegistry({ services: { backend: [{ host: '127.0.0.1', port }] } });
  // No SDK registered: the no-op OpenTelemetry API, as in the client suite.
  const client = createClient({ registry, telemetry: new SwitchyardTelemetry({}) });
  const agent = new Agent();
  const close = async () => {
    await agent.close();
    await client.close();
    await registry.close();
  };
  const calls = {
    fetch: async () => {
      await (await fetch(url)).arrayBuffer();
    },
    'client.fetch': async () => {
      await (await client.fetch('backend', '/items')).arrayBuffer();
    },
    undici: async () => {
      await (await agent.request({ origin, path: '/items', method: 'GET' })).body.arrayBuffer();
    },
    'client.request': async () => {
      await (await client.request('backend', '/items')).body.arrayBuffer();
    },
  };
  const call = calls[variant];
  if (call === undefined) throw new Error(`unknown call variant ${variant}`);
  return { call, close };
}
