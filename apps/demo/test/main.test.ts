// The command line as `npm run demo` runs it (tsx over src/main.ts, built @switchyard/*
// packages): --help, bad flags → exit code 2 with a short message naming the flag, and
// Ctrl-C → the load stops, the shop shuts down and the exit code is 130.
import { spawn, spawnSync } from 'node:child_process';
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

  it('stops on Ctrl-C (SIGINT): summary printed, everything shut down, exit code 130', async () => {
    // A run far longer than the test: only SIGINT can end it in time.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', '--requests', '100000', '--rate', '50', '--metrics-port', '0'],
      { cwd: demoDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      // The first frame means the load is running.
      if (!stdout.includes('Switchyard shop') && (stdout + chunk).includes('Switchyard shop')) child.kill('SIGINT');
      stdout += chunk;
    });
    const code = await exited;
    clearTimeout(killer);
    expect({ code, stderr }).toEqual({ code: 130, stderr: '' });
    expect(stdout).toMatch(/\n\d+ checkouts in [\d.]+ s: 0 caller errors, .*everything shut down\.\n$/);
  }, 45_000);
});
