import { defineConfig } from 'tsup';

export default defineConfig({
  // Separate entries keep the SDK (telemetry) and opossum out of the main entry's graph.
  entry: { index: 'src/index.ts', telemetry: 'src/telemetry/setup.ts', opossum: 'src/opossum.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
});
