import { packageConfig } from '../../scripts/tsup.base.js';

// Separate entries keep consul, opossum, node:http (server) and the SDK (telemetry) out of the main entry's graph.
export default packageConfig({
  index: 'src/index.ts',
  consul: 'src/consul.ts',
  opossum: 'src/opossum.ts',
  server: 'src/server.ts',
  semconv: 'src/semconv.ts',
  telemetry: 'src/telemetry/setup.ts',
});
