import { packageConfig } from '../../scripts/tsup.base.js';

// Separate entries keep consul, opossum and the SDK (telemetry) out of the main entry's graph.
export default packageConfig({
  index: 'src/index.ts',
  consul: 'src/consul.ts',
  opossum: 'src/opossum.ts',
  telemetry: 'src/telemetry/setup.ts',
});
