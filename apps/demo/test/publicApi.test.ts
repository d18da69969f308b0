// The demo observes Switchyard only as a user can: public entry points, public names and
// the switchyard:* events. No deep imports, no internals, no client.runtime(), no
// replacing a balancer's pick or a policy's execute.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findViolations, findViolationsUnder, publicApiOf, type Rule, sourceFilesUnder } from './publicApiCheck.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const demoSrc = fileURLToPath(new URL('../src/', import.meta.url));
const api = publicApiOf(repoRoot);
/** Where the samples pretend to live, so relative imports resolve as in the demo's own files. */
const sampleFile = `${demoSrc}sample.ts`;

const rulesOf = (source: string): Rule[] => findViolations(source, sampleFile, api).map((v) => v.rule);

describe('the demo uses only the public API', () => {
  it('reads the public entry points from the packages', () => {
    expect([...api.entryPoints].sort()).toEqual(
      expect.arrayContaining([
        '@switchyard/core',
        '@switchyard/core/consul',
        '@switchyard/core/telemetry',
        '@switchyard/express',
        '@switchyard/nestjs',
      ]),
    );
    expect([...api.entryPoints].some((e) => e.includes('/src') || e.includes('/dist'))).toBe(false);
  });

  it('in every file of apps/demo/src', () => {
    const files = sourceFilesUnder(demoSrc);
    // Not vacuous: the walk found the demo, observers included.
    expect(files.map((f) => f.slice(demoSrc.length))).toEqual(
      expect.arrayContaining(['shop.ts', 'gateway.ts', 'pickTracker.ts', 'breakerBoard.ts', 'retryCounter.ts']),
    );
    const report = findViolationsUnder(demoSrc, api).map(
      (v) => `${v.file.slice(repoRoot.length)}:${v.line}  ${v.rule}: ${v.found}`,
    );
    expect(report).toEqual([]);
  });
});

describe('the checker', () => {
  it.each<[string, string, Rule[]]>([
    ['a reach into a client runtime', "gateway.client.runtime('cart').retry?.onRetry(() => {});", ['client.runtime()']],
    ['client.runtime by element access', "client['runtime']('cart');", ['client.runtime()']],
    ['an optional runtime call', "client?.runtime('cart');", ['client.runtime()']],
    ['an internal class', "import { InstanceBreakers } from '@switchyard/core';", ['internal name']],
    ['an internal type, renamed', "import { type ServiceRuntime as R } from '@switchyard/core';", ['internal name']],
    ['the channel objects', "import type { channels } from '@switchyard/core';", ['internal name']],
    ['a re-export of an internal', "export { InstanceBreakers } from '@switchyard/core';", ['internal name']],
    [
      'an internal through a namespace',
      "import * as sy from '@switchyard/core';\nnew sy.InstanceBreakers();",
      ['internal name'],
    ],
    [
      'an internal type through a namespace',
      "import * as sy from '@switchyard/core';\nlet r: sy.ServiceRuntime;",
      ['internal name'],
    ],
    ['an internal through an import type', "type R = import('@switchyard/core').ServiceRuntime;", ['internal name']],
    ['an internal from a dynamic import', "const { channels } = await import('@switchyard/core');", ['internal name']],
    [
      'a source path',
      "import { channels } from '@switchyard/core/src/events/channels.js';",
      ['deep import', 'internal name'],
    ],
    ['a build path', "import { createClient } from '@switchyard/core/dist/index.js';", ['deep import']],
    ['an unexported subpath', "import '@switchyard/express/lib/middleware';", ['deep import']],
    [
      'a relative path into packages/',
      "import { createClient } from '../../../packages/core/src/index.js';",
      ['import into packages/'],
    ],
    [
      'a dynamic import into packages/',
      "await import('../../../packages/core/dist/index.js');",
      ['import into packages/'],
    ],
    ['a require into packages/', "require('../../../packages/express/src/index.ts');", ['import into packages/']],
    ['an export from a deep path', "export * from '@switchyard/nestjs/src/index.js';", ['deep import']],
    ['a patched pick', 'balancer.pick = (instances, ctx) => instances[0];', ['monkey-patch']],
    ['a patched execute', "(breaker as any)['execute'] = (fn) => fn();", ['monkey-patch']],
    ['a patched prototype', 'PeakEwmaBalancer.prototype.pick = pick;', ['monkey-patch']],
    ['defineProperty', "Object.defineProperty(balancer, 'pick', { value: pick });", ['monkey-patch']],
    ['Object.assign onto an object', 'Object.assign(policy, { execute });', ['monkey-patch']],
  ])('reports %s', (_name, source, rules) => {
    expect(rulesOf(source)).toEqual(rules);
  });

  it('places a violation at its line', () => {
    const source = "import { subscribe } from '@switchyard/core';\n\nconst r = client.runtime('cart');\n";
    expect(findViolations(source, sampleFile, api)).toEqual([
      { file: sampleFile, line: 3, rule: 'client.runtime()', found: 'client.runtime' },
    ]);
  });

  it.each<[string, string]>([
    [
      'the public events and names',
      "import { SWITCHYARD_CHANNELS, subscribe, type ServiceClient, type Disposable } from '@switchyard/core';",
    ],
    [
      'every public entry point',
      "import '@switchyard/core/telemetry';\nimport '@switchyard/core/consul';\nimport '@switchyard/express';",
    ],
    ['calling pick and execute', 'const picked = balancer.pick(instances, ctx);\nawait policy.execute(fn, signal);'],
    ['comparing methods', 'if (a.pick === b.pick) noop();'],
    ['a balancer of its own', 'class First { readonly name = "first"; pick(instances) { return instances[0]; } }'],
    ['an object literal with pick', "const first = { name: 'first', pick: (instances) => instances[0] };"],
    ['a new object from parts', 'const copy = Object.assign({}, defaults, { execute });'],
    ['runtime in comments and strings', "// client.runtime('cart')\nconst s = \"client.runtime('cart')\";"],
    ['a variable named runtime', 'const runtime = process.version;\nconsole.log(runtime.length);'],
    ['a local module named channels', "import { channels } from './channels.js';"],
    ['a local folder named packages', "import { x } from './packages/x.js';"],
    [
      'a package that is not Switchyard',
      "import express from 'express';\nimport { channel } from 'node:diagnostics_channel';",
    ],
    [
      'reading a pick message',
      "subscribe('pick', ({ client, instance }) => { if (client === mine) seen.add(instance.id); });",
    ],
  ])('accepts %s', (_name, source) => {
    expect(findViolations(source, sampleFile, api)).toEqual([]);
  });
});
