#!/usr/bin/env node
// After tsup's ESM-only build (run in a package directory), every entry `dist/<name>.mjs` gets
//  - `dist/<name>.cjs`: `module.exports = require('./<name>.mjs')`. Node 20.19+ and 22.12+ load
//    ES modules from require() (our graph has no top-level await), so CommonJS callers get the
//    same module instance as ESM callers (no dual-package hazard) and the code ships once;
//  - `dist/<name>.d.cts`: tsup's declarations (chunks too), relative imports renamed to `.cjs`;
//  - `dist/<name>.d.mts`: `export * from './<name>.cjs'`, one line. ESM may import CommonJS
//    declarations; the reverse fails under `module: node16`, so the full copy is the `.d.cts`.
// The declarations ship once too: with both full copies the core tarball was 156 kB, now 115 kB.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = join(process.cwd(), 'dist');
const files = readdirSync(dist);
// `from './x.js'` and bare `import './x.js'` (tsup emits those for chunks only types need).
const relative = /((?:from|import)\s+['"]\.{1,2}\/[^'"]+?)\.js(['"])/g;

for (const file of files) {
  if (!file.endsWith('.d.ts')) continue;
  const from = join(dist, file);
  const base = file.slice(0, -'.d.ts'.length);
  writeFileSync(join(dist, `${base}.d.cts`), readFileSync(from, 'utf8').replace(relative, '$1.cjs$2'));
  rmSync(from);
}

// Entries are the `.mjs` files that are not shared chunks (tsup names those `chunk-*.mjs`).
for (const file of files) {
  if (!file.endsWith('.mjs') || file.startsWith('chunk-')) continue;
  const base = file.slice(0, -'.mjs'.length);
  writeFileSync(join(dist, `${base}.cjs`), `'use strict';\nmodule.exports = require('./${base}.mjs');\n`);
  writeFileSync(join(dist, `${base}.d.mts`), `export * from './${base}.cjs';\n`);
}
