import { defineConfig, type Options } from 'tsup';

/**
 * The build every package shares: ESM (`.mjs`) only, unminified and without sourcemaps, with
 * declarations. scripts/dual-entries.mjs then gives every entry a CommonJS face: a `.cjs` that
 * is `module.exports = require('./entry.mjs')` (require(esm), Node 20.19+/22.12+) and `.d.mts` /
 * `.d.cts` declarations. One copy of the code: half the tarball, and a CommonJS app and an ESM
 * module in one process share one instance of every class (no dual-package hazard).
 */
export function packageConfig(entry: Record<string, string>): ReturnType<typeof defineConfig> {
  const options: Options = {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: false,
    clean: true,
    target: 'node22',
    platform: 'node',
    outExtension: () => ({ js: '.mjs' }),
  };
  return defineConfig(options);
}
