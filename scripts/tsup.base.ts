import { defineConfig, type Options } from 'tsup';

/**
 * The build every package shares: ESM (`.mjs`) and CommonJS (`.cjs`) for Node 20, unminified
 * and without sourcemaps (they were 61% of the core tarball; the output reads as the source), with
 * declarations (renamed to `.d.mts` for ESM by scripts/esm-dts.mjs after the build).
 */
export function packageConfig(entry: Record<string, string>): ReturnType<typeof defineConfig> {
  const options: Options = {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: false,
    clean: true,
    target: 'node20',
    platform: 'node',
    outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
  };
  return defineConfig(options);
}
