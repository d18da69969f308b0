// The demo must observe Switchyard the way a user can: through the packages' public entry
// points and the switchyard:* events, never through internals or monkey-patching. This
// checker reads TypeScript sources with the TypeScript parser (so comments, strings and
// formatting never cause a false report) and lists every place that breaks that rule.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** Names `@switchyard/*` modules hold that are not meant for users (`SWITCHYARD_CHANNELS` and `subscribe` are). */
export const INTERNAL_NAMES: ReadonlySet<string> = new Set(['ServiceRuntime', 'InstanceBreakers', 'channels']);

/** Methods whose replacement on an object is monkey-patching the SDK (a balancer's `pick`, a policy's `execute`). */
const PATCHABLE_METHODS: ReadonlySet<string> = new Set(['pick', 'execute']);

const SCRIPT_EXTENSIONS: ReadonlySet<string> = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx']);

export type Rule = 'deep import' | 'import into packages/' | 'internal name' | 'client.runtime()' | 'monkey-patch';

export interface Violation {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly rule: Rule;
  /** What was found, e.g. the module specifier or `balancer.pick =`. */
  readonly found: string;
}

/** What users may import, read from the workspace's packages. */
export interface PublicApi {
  /** Every importable specifier: each package's name and its `exports` subpaths (`@switchyard/core/telemetry`). */
  readonly entryPoints: ReadonlySet<string>;
  /** The packages' directory: no relative or absolute import may reach into it. */
  readonly packagesDir: string;
}

/** The public entry points of every `@switchyard/*` package under `<repoRoot>/packages`, from their `exports`. */
export function publicApiOf(repoRoot: string): PublicApi {
  const packagesDir = resolve(repoRoot, 'packages');
  const entryPoints = new Set<string>();
  for (const dir of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    let manifest: { name?: unknown; exports?: unknown };
    try {
      manifest = JSON.parse(readFileSync(join(packagesDir, dir.name, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (typeof manifest.name !== 'string' || !manifest.name.startsWith('@switchyard/')) continue;
    const exports = manifest.exports;
    const subpaths =
      typeof exports === 'object' && exports !== null && Object.keys(exports).every((k) => k.startsWith('.'))
        ? Object.keys(exports)
        : ['.'];
    for (const subpath of subpaths) {
      if (subpath === './package.json' || subpath.includes('*')) continue;
      entryPoints.add(subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`);
    }
  }
  return { entryPoints, packagesDir };
}

/** Every script file under `dir`, recursively, as absolute paths in a stable order. */
export function sourceFilesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFilesUnder(path));
    else if (entry.isFile() && SCRIPT_EXTENSIONS.has(extname(entry.name)) && !entry.name.endsWith('.d.ts')) {
      files.push(path);
    }
  }
  return files.sort();
}

/**
 * The violations in one source text. `fileName` (absolute) places relative imports; it
 * need not exist.
 */
export function findViolations(source: string, fileName: string, api: PublicApi): Violation[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, scriptKindOf(fileName));
  const violations: Violation[] = [];
  const report = (node: ts.Node, rule: Rule, found: string): void => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    violations.push({ file: fileName, line, rule, found });
  };
  const moduleBindings = switchyardModuleBindings(sf);

  const checkSpecifier = (node: ts.Node, specifier: string): void => {
    if (specifier.startsWith('@switchyard/')) {
      if (!api.entryPoints.has(specifier)) report(node, 'deep import', specifier);
      return;
    }
    const local = specifier.startsWith('file:') ? safeFileUrlPath(specifier) : specifier;
    if (local === undefined || !(local.startsWith('.') || isAbsolute(local))) return;
    const target = resolve(fileName, '..', local);
    const inside = relative(api.packagesDir, target);
    if (inside === '' || !(inside.split(sep)[0] === '..' || isAbsolute(inside))) {
      report(node, 'import into packages/', specifier);
    }
  };
  const checkName = (node: ts.Node, name: string, specifier: string): void => {
    if (INTERNAL_NAMES.has(name)) report(node, 'internal name', `${name} from ${specifier}`);
  };

  const visit = (node: ts.Node): void => {
    // import ... from '…' / export ... from '…'
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      if (ts.isStringLiteral(node.moduleSpecifier)) {
        const specifier = node.moduleSpecifier.text;
        checkSpecifier(node.moduleSpecifier, specifier);
        if (isSwitchyard(specifier)) {
          if (ts.isImportDeclaration(node)) {
            const bindings = node.importClause?.namedBindings;
            if (bindings !== undefined && ts.isNamedImports(bindings)) {
              for (const element of bindings.elements) {
                checkName(element, (element.propertyName ?? element.name).text, specifier);
              }
            }
          } else if (node.exportClause !== undefined && ts.isNamedExports(node.exportClause)) {
            for (const element of node.exportClause.elements) {
              checkName(element, (element.propertyName ?? element.name).text, specifier);
            }
          }
        }
      }
    }
    // import sy = require('…')
    if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      checkSpecifier(node.moduleReference.expression, node.moduleReference.expression.text);
    }
    // type T = import('…').Name
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      const specifier = node.argument.literal.text;
      checkSpecifier(node.argument, specifier);
      if (isSwitchyard(specifier) && node.qualifier !== undefined) {
        checkName(node.qualifier, leftmostName(node.qualifier), specifier);
      }
    }
    if (ts.isCallExpression(node)) {
      // import('…') and require('…')
      const specifier = moduleCallSpecifier(node);
      if (specifier !== undefined) checkSpecifier(node.arguments[0] ?? node, specifier);
      // client.runtime(…), client?.runtime(…), client['runtime'](…)
      if (memberName(node.expression) === 'runtime') report(node, 'client.runtime()', node.expression.getText(sf));
      // Object.defineProperty(x, 'pick', …), Reflect.set(x, 'execute', …), Object.assign(x, { pick })
      const patched = patchedByCall(node);
      if (patched !== undefined) report(node, 'monkey-patch', `${node.expression.getText(sf)}(…, ${patched})`);
    }
    // const { channels } = await import('@switchyard/core')
    if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer !== undefined) {
      const specifier = switchyardModuleOf(node.initializer);
      if (specifier !== undefined) {
        for (const element of node.name.elements) {
          const key = element.propertyName ?? element.name;
          if (ts.isIdentifier(key) || ts.isStringLiteral(key)) checkName(element, key.text, specifier);
        }
      }
    }
    // sy.InstanceBreakers, (await import('@switchyard/core')).channels
    if (ts.isPropertyAccessExpression(node)) {
      const target = unwrap(node.expression);
      const specifier = ts.isIdentifier(target)
        ? moduleBindings.has(target.text)
          ? target.text
          : undefined
        : switchyardModuleOf(target);
      if (specifier !== undefined) checkName(node, node.name.text, specifier);
    }
    // sy.ServiceRuntime in a type
    if (ts.isQualifiedName(node) && ts.isIdentifier(node.left) && moduleBindings.has(node.left.text)) {
      checkName(node, node.right.text, node.left.text);
    }
    // balancer.pick = …, breaker['execute'] ??= …, Balancer.prototype.pick = …
    if (ts.isBinaryExpression(node) && isAssignment(node.operatorToken.kind)) {
      const name = memberName(node.left);
      if (name !== undefined && PATCHABLE_METHODS.has(name)) {
        report(node, 'monkey-patch', `${unwrap(node.left).getText(sf)} ${node.operatorToken.getText(sf)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return violations.sort((a, b) => a.line - b.line);
}

/** The violations in every script file under `dir`. */
export function findViolationsUnder(dir: string, api: PublicApi): Violation[] {
  return sourceFilesUnder(dir).flatMap((file) => findViolations(readFileSync(file, 'utf8'), file, api));
}

/** Local names bound to a whole `@switchyard/*` module: `import * as sy`, a default import, `import sy = require(…)`. */
function switchyardModuleBindings(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const statement of sf.statements) {
    if (
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      isSwitchyard(statement.moduleSpecifier.text)
    ) {
      const clause = statement.importClause;
      if (clause?.name !== undefined) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
    }
    if (
      ts.isImportEqualsDeclaration(statement) &&
      ts.isExternalModuleReference(statement.moduleReference) &&
      ts.isStringLiteral(statement.moduleReference.expression) &&
      isSwitchyard(statement.moduleReference.expression.text)
    ) {
      names.add(statement.name.text);
    }
  }
  return names;
}

function isSwitchyard(specifier: string): boolean {
  return specifier.startsWith('@switchyard/');
}

function scriptKindOf(fileName: string): ts.ScriptKind {
  const ext = extname(fileName);
  if (ext === '.tsx') return ts.ScriptKind.TSX;
  if (ext === '.jsx') return ts.ScriptKind.JSX;
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

function safeFileUrlPath(specifier: string): string | undefined {
  try {
    return new URL(specifier).pathname.split('/').join(sep);
  } catch {
    return undefined;
  }
}

/** Strips parentheses, `await`, `!`, `as` and `satisfies` around an expression. */
function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  for (;;) {
    if (
      ts.isParenthesizedExpression(current) ||
      ts.isAwaitExpression(current) ||
      ts.isNonNullExpression(current) ||
      ts.isAsExpression(current) ||
      ts.isSatisfiesExpression(current) ||
      ts.isTypeAssertionExpression(current)
    ) {
      current = current.expression;
    } else {
      return current;
    }
  }
}

/** The property a member access names: `x.name`, `x?.name`, `x['name']`; undefined otherwise. */
function memberName(node: ts.Expression): string | undefined {
  const target = unwrap(node);
  if (ts.isPropertyAccessExpression(target)) return target.name.text;
  if (ts.isElementAccessExpression(target) && ts.isStringLiteralLike(target.argumentExpression)) {
    return target.argumentExpression.text;
  }
  return undefined;
}

/** The module of `import('…')` or `require('…')` with a literal specifier. */
function moduleCallSpecifier(call: ts.CallExpression): string | undefined {
  const isImport = call.expression.kind === ts.SyntaxKind.ImportKeyword;
  const isRequire = ts.isIdentifier(call.expression) && call.expression.text === 'require';
  const [first] = call.arguments;
  if (!(isImport || isRequire) || first === undefined || !ts.isStringLiteralLike(first)) return undefined;
  return first.text;
}

/** The `@switchyard/*` module an expression evaluates to (`await import('@switchyard/core')`), if any. */
function switchyardModuleOf(node: ts.Expression): string | undefined {
  const target = unwrap(node);
  if (!ts.isCallExpression(target)) return undefined;
  const specifier = moduleCallSpecifier(target);
  return specifier !== undefined && isSwitchyard(specifier) ? specifier : undefined;
}

/** `Object.defineProperty(x, 'pick', …)`, `Reflect.set(x, 'execute', …)`, `Object.assign(x, { pick })`: the method, if patched. */
function patchedByCall(call: ts.CallExpression): string | undefined {
  const callee = unwrap(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression)) return undefined;
  const owner = callee.expression.text;
  const method = callee.name.text;
  const [, second, ...rest] = call.arguments;
  if (
    (owner === 'Object' || owner === 'Reflect') &&
    (method === 'defineProperty' || method === 'set') &&
    second !== undefined &&
    ts.isStringLiteralLike(second) &&
    PATCHABLE_METHODS.has(second.text)
  ) {
    return `'${second.text}'`;
  }
  // Object.assign({}, …) builds a new object; patching is assigning onto an existing one.
  const [first] = call.arguments;
  const onExisting = first !== undefined && !ts.isObjectLiteralExpression(unwrap(first));
  const literals: (ts.Expression | undefined)[] = [];
  if (owner === 'Object' && method === 'assign' && onExisting) literals.push(second, ...rest);
  if (owner === 'Object' && method === 'defineProperties' && onExisting) literals.push(second);
  for (const argument of literals) {
    if (argument === undefined || !ts.isObjectLiteralExpression(argument)) continue;
    for (const property of argument.properties) {
      const name = property.name;
      if (
        name !== undefined &&
        (ts.isIdentifier(name) || ts.isStringLiteral(name)) &&
        PATCHABLE_METHODS.has(name.text)
      ) {
        return `{ ${name.text} }`;
      }
    }
  }
  return undefined;
}

function leftmostName(name: ts.EntityName): string {
  // import('…').A.B: A is the name taken from the module.
  let current = name;
  while (ts.isQualifiedName(current)) current = current.left;
  return current.text;
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}
