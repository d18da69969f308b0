/**
 * Test helper: runs a real Consul agent (dev mode, in-memory state) on free loopback ports.
 *
 * The binary is the one built by tools/consul/build.sh from the Go module proxy and cached at
 * .cache/consul/<version>/consul; if it is missing, the script is run first (a few minutes on a
 * clean machine). Set CONSUL_BIN to use another binary. See docs/consul.md.
 *
 * Only Node built-ins are used (Node 20 APIs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export interface StartConsulOptions {
  /** HTTP port to listen on (127.0.0.1). Default: a free port picked by the OS. */
  port?: number;
  /** Bound on the readiness wait after spawning, in ms. Default 30 000. */
  readyTimeoutMs?: number;
}

export interface ConsulAgent {
  readonly host: '127.0.0.1';
  /** HTTP API port. Stays the same across restart(). */
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Consul node name of this agent (unique per startConsul call, kept across restart()). */
  readonly nodeName: string;
  /** SIGTERM, then SIGKILL if the agent has not exited after 5 s. Idempotent. */
  stop(): Promise<void>;
  /** stop(), then start a fresh agent (empty state) on the same HTTP port. */
  restart(): Promise<void>;
  /** Recent stdout/stderr of the current (or last) agent process, for error messages. */
  output(): string;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 100;
const READY_MAX_POLLS = 600;
const STOP_GRACE_MS = 5_000;
const OUTPUT_LIMIT = 256 * 1024;
const BUILD_TIMEOUT_MS = 30 * 60_000;

// ---------------------------------------------------------------------------------------------
// Binary

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'tools', 'consul', 'build.sh'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('consulAgent: cannot find tools/consul/build.sh above this file');
    dir = parent;
  }
}

let binaryPromise: Promise<string> | undefined;

/** Path of the Consul binary, building it with tools/consul/build.sh if it is not cached yet. */
export function consulBinary(): Promise<string> {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: test/ runs under vitest directly, not through turbo
  const fromEnv = process.env.CONSUL_BIN;
  if (fromEnv) return Promise.resolve(fromEnv);
  binaryPromise ??= runBuildScript().catch((error: unknown) => {
    binaryPromise = undefined;
    throw error;
  });
  return binaryPromise;
}

function runBuildScript(): Promise<string> {
  const script = join(findRepoRoot(), 'tools', 'consul', 'build.sh');
  return new Promise((resolve, reject) => {
    // stderr (build progress) goes to our stderr; stdout ends with the binary path.
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const path = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && path && existsSync(path)) resolve(path);
      else reject(new Error(`consulAgent: ${script} failed (code ${code}, signal ${signal})\n${stdout}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Ports

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.unref();
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, HOST, () => socket.close(() => resolve(true)));
  });
}

/** Distinct free ports, free for TCP and UDP (Serf uses both on its port). */
async function freePorts(count: number, taken: ReadonlySet<number>): Promise<number[]> {
  const ports: number[] = [];
  for (let attempts = 0; ports.length < count; attempts++) {
    if (attempts > 100) throw new Error('consulAgent: could not find free ports');
    const port = await freeTcpPort();
    if (taken.has(port) || ports.includes(port) || !(await udpPortFree(port))) continue;
    ports.push(port);
  }
  return ports;
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: no consul process may outlive this Node process.

interface Running {
  child: ChildProcess;
  /** `sh` that kills the agent when our end of its stdin pipe closes (i.e. when we die hard). */
  watchdog: ChildProcess | undefined;
  dataDir: string;
  exited: Promise<void>;
  hasExited: boolean;
}

const live = new Set<Running>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const run of live) {
      killQuietly(run.watchdog, 'SIGKILL');
      if (!run.hasExited) killQuietly(run.child, 'SIGKILL');
      rmSync(run.dataDir, { recursive: true, force: true });
    }
    live.clear();
  });
}

function killQuietly(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
}

/**
 * The 'exit' handler does not run when this process is killed by a signal (e.g. a test runner's
 * SIGTERM/SIGKILL). A tiny `sh` watchdog holds the read end of a pipe from us: when we die the
 * pipe closes, `read` returns, and it kills the agent and removes its data dir. It is killed first on
 * a normal stop.
 */
const WATCHDOG_SCRIPT = [
  // $1: agent pid, $2: its data dir
  'alive() {',
  '  if [ -r /proc/self/stat ]; then',
  '    s=$(sed "s/^.*) //" "/proc/$1/stat" 2>/dev/null) || return 1',
  '    case "$s" in Z*|X*|"") return 1 ;; esac',
  '  else kill -0 "$1" 2>/dev/null; fi',
  '}',
  'read -r _', // returns at EOF, i.e. when the Node process is gone
  'kill -TERM "$1" 2>/dev/null',
  'i=0',
  'while [ "$i" -lt 50 ] && alive "$1"; do sleep 0.1; i=$((i + 1)); done',
  'alive "$1" && kill -KILL "$1" 2>/dev/null',
  'rm -rf "$2"',
].join('\n');

function spawnWatchdog(pid: number, dataDir: string): ChildProcess | undefined {
  try {
    const watchdog = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'consul-watchdog', String(pid), dataDir], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    watchdog.on('error', () => {});
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return watchdog;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Agent

class Agent implements ConsulAgent {
  readonly host = HOST;
  readonly url: string;
  private run: Running | undefined;
  private buffer = '';
  private readonly readyTimeoutMs: number;

  constructor(
    readonly port: number,
    readonly nodeName: string,
    private readonly binary: string,
    readyTimeoutMs: number,
  ) {
    this.url = `http://${HOST}:${port}`;
    this.readyTimeoutMs = readyTimeoutMs;
  }

  output(): string {
    return this.buffer;
  }

  async start(): Promise<void> {
    // Another process may take a port between our probe and consul's bind; retry a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.startOnce();
        return;
      } catch (error) {
        await this.stop();
        const portClash = /address already in use/i.test(this.buffer);
        if (!portClash || attempt >= 5) throw error;
        await delay(200 * attempt);
      }
    }
  }

  private async startOnce(): Promise<void> {
    this.buffer = '';
    const [serfLan, server] = await freePorts(2, new Set([this.port]));
    const dataDir = mkdtempSync(join(tmpdir(), 'consul-agent-'));
    const args = [
      'agent',
      '-dev',
      '-bind',
      HOST,
      '-client',
      HOST,
      '-advertise',
      HOST,
      '-node',
      this.nodeName,
      '-data-dir',
      dataDir,
      '-http-port',
      String(this.port),
      '-serf-lan-port',
      String(serfLan),
      '-server-port',
      String(server),
      // Not used by the tests: disabled.
      '-dns-port',
      '-1',
      '-serf-wan-port',
      '-1',
      '-grpc-port',
      '-1',
      '-hcl',
      'ports { grpc_tls = -1 https = -1 }',
      '-hcl',
      'disable_update_check = true',
      '-hcl',
      'ui_config { enabled = false }',
    ];
    installExitHandler();
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let markExited: () => void = () => {};
    const run: Running = {
      child,
      watchdog: undefined,
      dataDir,
      hasExited: false,
      exited: new Promise<void>((resolve) => {
        markExited = resolve;
      }),
    };
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
      run.hasExited = true;
      markExited();
    });
    child.on('exit', () => {
      run.hasExited = true;
      killQuietly(run.watchdog, 'SIGKILL');
      markExited();
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => this.append(chunk));
    }
    // Do not keep the event loop alive for the agent: a forgotten stop() must not hang the
    // test process (the exit handler kills the agent instead).
    child.unref();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    this.run = run;
    live.add(run);
    if (child.pid !== undefined) run.watchdog = spawnWatchdog(child.pid, dataDir);

    await this.waitUntilReady(run, () => spawnError);
  }

  private append(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > OUTPUT_LIMIT) this.buffer = this.buffer.slice(-OUTPUT_LIMIT / 2);
  }

  private async waitUntilReady(run: Running, spawnError: () => Error | undefined): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    // Cut in-flight requests and the delay short as soon as the agent exits.
    const exitAbort = new AbortController();
    void run.exited.then(() => exitAbort.abort());
    let last = 'no answer yet';
    for (let poll = 0; poll < READY_MAX_POLLS && Date.now() < deadline; poll++) {
      if (run.hasExited) {
        const error = spawnError();
        throw new Error(`consul agent exited before it was ready${error ? ` (${error.message})` : ''}\n${this.buffer}`);
      }
      try {
        const leader = await this.getJson('/v1/status/leader', exitAbort.signal);
        if (typeof leader === 'string' && leader !== '') {
          const node = await this.getJson(`/v1/catalog/node/${encodeURIComponent(this.nodeName)}`, exitAbort.signal);
          if (node !== null && typeof node === 'object' && 'Node' in node && node.Node) return;
          last = 'leader elected, node not in the catalog yet';
        } else {
          last = 'no leader yet';
        }
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await Promise.race([delay(READY_POLL_MS), run.exited]);
    }
    throw new Error(`consul agent not ready after ${this.readyTimeoutMs} ms (${last})\n${this.buffer}`);
  }

  private async getJson(path: string, exitSignal: AbortSignal): Promise<unknown> {
    const signal = AbortSignal.any([AbortSignal.timeout(2_000), exitSignal]);
    const response = await fetch(`${this.url}${path}`, { signal });
    const body = await response.text();
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${body.trim()}`);
    return body === '' ? null : (JSON.parse(body) as unknown);
  }

  async stop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    killQuietly(run.watchdog, 'SIGKILL');
    if (!run.hasExited) {
      killQuietly(run.child, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
      });
      const tooSlow = await Promise.race([run.exited.then(() => false), timedOut]);
      clearTimeout(timer);
      if (tooSlow) {
        killQuietly(run.child, 'SIGKILL');
        await run.exited;
      }
    }
    live.delete(run);
    rmSync(run.dataDir, { recursive: true, force: true });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

let counter = 0;

/**
 * Start a Consul dev agent on 127.0.0.1 and wait until it has a leader and its own node is in
 * the catalog. Every port is free-picked (HTTP, Serf LAN, server RPC); DNS, Serf WAN, gRPC,
 * gRPC TLS and HTTPS are disabled.
 */
export async function startConsul(opts: StartConsulOptions = {}): Promise<ConsulAgent> {
  const binary = await consulBinary();
  const port = opts.port ?? (await freeTcpPort());
  counter += 1;
  const nodeName = `switchyard-test-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
  const agent = new Agent(port, nodeName, binary, opts.readyTimeoutMs ?? READY_TIMEOUT_MS);
  await agent.start();
  return agent;
}
