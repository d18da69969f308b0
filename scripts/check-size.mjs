#!/usr/bin/env node
// Size budget of the package in the current directory: `npm pack --dry-run` sizes (what a user
// downloads, and what lands in node_modules) against the budget given in bytes. Fails when over.
import { execFileSync } from 'node:child_process';

const [packedBudget, unpackedBudget] = process.argv.slice(2).map(Number);
if (!Number.isFinite(packedBudget) || !Number.isFinite(unpackedBudget)) {
  console.error('usage: check-size.mjs <packed bytes> <unpacked bytes>');
  process.exit(2);
}
const [pack] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }),
);
const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
const line = `${pack.name}: ${kB(pack.size)} packed (budget ${kB(packedBudget)}), ${kB(pack.unpackedSize)} unpacked (budget ${kB(unpackedBudget)}), ${pack.entryCount} files`;
const missing = ['LICENSE', 'README.md', 'package.json'].filter(
  (name) => !pack.files.some((file) => file.path === name),
);
if (pack.size > packedBudget || pack.unpackedSize > unpackedBudget || missing.length > 0) {
  console.error(`over budget or incomplete: ${line}${missing.length > 0 ? `; missing ${missing.join(', ')}` : ''}`);
  process.exit(1);
}
console.log(line);
