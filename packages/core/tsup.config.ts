import { defineConfig } from 'tsup';

export default defineConfig({
  // Separate entries keep consul, opossum and the SDK (telemetry) out of the main entry's graph.
  entry: {
    index: 'src/index.ts',
    consul: 'src/consul.ts',
    opossum: 'src/opossum.ts',
    telemetry: 'src/telemetry/setup.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
});
