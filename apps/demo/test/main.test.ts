// The command line as `npm run demo` runs it (tsx over src/main.ts, built @switchyard/*
// packages): --help, and bad flags → exit code 2 with a short message naming the flag.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const demoDir = fileURLToPath(new URL('..', import.meta.url));

function demo(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: demoDir,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('main', () => {
  it('lists its flags with --help and exits 0', () => {
    const run = demo('--help');
    expect(run.status).toBe(0);
    for (const flag of ['--requests', '--rate', '--balancer', '--registry', '--consul-url', '--metrics-port']) {
      expect(run.stdout).toContain(flag);
    }
  }, 30_000);

  it.each([
    [['--rate', '0'], '--rate'],
    [['--colour'], '--colour'],
  ])(
    'exits 2 for %j, naming %s',
    (args, flag) => {
      const run = demo(...args);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`"${flag}"`);
      expect(run.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    },
    30_000,
  );
});
