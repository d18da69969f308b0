// opossum 10 and cockatiel 4 declare Node 22+ engines, so they are measured beside the
// pinned opossum 9 and cockatiel 3 only there, loaded with import() so Node 20 never loads them.

import { createRequire } from 'node:module';
import type * as Cockatiel4 from 'cockatiel-4';
import type Opossum10 from 'opossum-10';

export interface NextMajors {
  readonly Opossum: typeof Opossum10;
  readonly cockatiel: typeof Cockatiel4;
  /** Row labels with the installed versions, e.g. "opossum 10.0.0". */
  readonly opossumName: string;
  readonly cockatielName: string;
}

export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

export const NEXT_MAJORS_NOTE = `opossum 10 / cockatiel 4 need Node 22+: not run on Node ${process.version}.`;

/** The newer majors on Node 22+, else undefined. */
export async function loadNextMajors(): Promise<NextMajors | undefined> {
  if (NODE_MAJOR < 22) return undefined;
  const [opossum, cockatiel] = await Promise.all([import('opossum-10'), import('cockatiel-4')]);
  const require = createRequire(import.meta.url);
  const version = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
  return {
    Opossum: opossum.default,
    cockatiel,
    opossumName: `opossum ${version('opossum-10')}`,
    cockatielName: `cockatiel ${version('cockatiel-4')}`,
  };
}
