#!/usr/bin/env node
// tsup runs declaration builds in a worker that drops `outExtension`, so in a
// "type": "module" package its ESM declarations come out as `.d.ts`. Rename them to
// `.d.mts` (and their relative imports to `.mjs`) so ESM and CJS each get their own
// declaration files, as `@arethetypeswrong/cli` expects.
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = join(process.cwd(), 'dist');
for (const file of readdirSync(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const from = join(dist, file);
  // `from './x.js'` and bare `import './x.js'` (tsup emits those for chunks only types need).
  const source = readFileSync(from, 'utf8').replace(/((?:from|import)\s+['"]\.{1,2}\/[^'"]+?)\.js(['"])/g, '$1.mjs$2');
  writeFileSync(from, source);
  renameSync(from, join(dist, file.replace(/\.d\.ts$/, '.d.mts')));
}
