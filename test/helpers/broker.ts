// Test harness: runs the compiled single executable (dist/freshet) as a real process on a free
// loopback port with a fresh data directory, the way users and CI sidecars run it.
//
//   let broker: Broker;
//   beforeAll(async () => { broker = await startBroker(); });
//   afterAll(async () => { await broker?.dispose(); });
//
// One broker per test file keeps `npm test` fast; tests isolate themselves with unique topics.
// Every broker started here is also killed when the test process exits, so a failing or
// interrupted test never leaves a process behind.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { canConnect, freePort } from './ports.ts';

export const REPO_ROOT = join(import.meta.dir, '..', '..');
/** The binary under test; FRESHET_BIN overrides it (e.g. to test a release build). */
export const FRESHET_BIN = process.env.FRESHET_BIN ?? join(REPO_ROOT, 'dist', 'freshet');

const READY_TIMEOUT_MS = 15_000;
const READY_POLL_MS = 25;
const STOP_GRACE_MS = 5_000;
const STDERR_KEEP_CHARS = 64 * 1024;
const START_ATTEMPTS_MAX = 3;
const TEST_MIN_FREE_BYTES = 16 * 1024 * 1024;

export type BrokerOptions = {
  /** --dev: auto-create topics, relaxed fsync. Default true; durability tests pass false. */
  dev?: boolean;
  /** --node-id. */
  nodeId?: number;
  /** --set key=value pairs. */
  settings?: Record<string, string>;
  /** Extra command-line arguments appended after the ones above. */
  extraArgs?: readonly string[];
  /** Extra environment variables for the process (e.g. FRESHET_TEST_FAULTS). */
  env?: Record<string, string>;
  /** An existing directory to use as the data dir (e.g. on a small tmpfs) instead of a fresh temp dir. */
  dataDir?: string;
  /**
   * Starts the binary under this open-files limit (`ulimit -n N` in a shell that then execs
   * it); `soft` lowers only the soft limit (`ulimit -Sn N`), leaving the hard one as it is.
   */
  fdLimit?: { n: number; soft?: boolean };
  /** How long to wait for the listener (a node opening 10,000 partitions takes a while). */
  readyTimeoutMs?: number;
  /** How long a SIGTERM may take before SIGKILL (a node closing many partitions on a busy disk). */
  stopGraceMs?: number;
  /**
   * Serve the schema registry on a free port (`registryUrl`). Off by default: every node started
   * here passes --schema-registry-addr, a picked port or `none`, so parallel tests never
   * collide on the default 8081.
   */
  registry?: boolean;
  /**
   * Serve the HTTP proxy on a free port (`proxyUrl`). Off by default: every node started here
   * passes --proxy-addr, a picked port or `none`, so parallel tests never collide on 8082.
   */
  proxy?: boolean;
  /**
   * Serve the admin API on a free port (`adminUrl`). Off by default: every node started here
   * passes --admin-addr, a picked port or `none`, so parallel tests never collide on 9644.
   */
  admin?: boolean;
};

export type Broker = {
  readonly port: number;
  readonly bootstrap: string;
  /** The schema registry's base URL (http://127.0.0.1:PORT) when started with `registry`, else null. */
  readonly registryUrl: string | null;
  /** The HTTP proxy's base URL (http://127.0.0.1:PORT) when started with `proxy`, else null. */
  readonly proxyUrl: string | null;
  /** The admin API's base URL (http://127.0.0.1:PORT) when started with `admin`, else null. */
  readonly adminUrl: string | null;
  readonly dataDir: string;
  /** The running process (a new one after restart()). */
  readonly proc: Subprocess;
  /** Everything the current process wrote to stderr (the last 64 KiB). */
  logs(): string;
  /** Resident set size of the broker process in KiB, from /proc/<pid>/status. */
  rssKiB(): number;
  /** SIGTERM, then SIGKILL after a grace period. The data dir is kept. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, nothing flushed. The data dir is kept. */
  kill9(): Promise<void>;
  /** SIGSTOP: the process freezes (a long GC pause, a stalled VM); its sockets stay open. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Starts the binary again on the same port and data dir and waits until it is ready. */
  restart(): Promise<void>;
  /** stop() and remove the data dir. */
  dispose(): Promise<void>;
};

const liveProcs = new Set<Subprocess>();
process.on('exit', () => {
  for (const proc of liveProcs) proc.kill('SIGKILL');
});

export function assertBinaryBuilt(): void {
  if (!existsSync(FRESHET_BIN)) {
    throw new Error(`${FRESHET_BIN} does not exist: run \`npm run build\` (bun build.ts) first`);
  }
}

type Running = { proc: Subprocess; stderr: { text: string } };

/** The node's listeners: Kafka, the registry's, the proxy's and the admin API's (null: `none`). */
type Ports = { kafka: number; registry: number | null; proxy: number | null; admin: number | null };

function brokerArgs(ports: Ports, dataDir: string, options: BrokerOptions): string[] {
  const args = ['start', '--data-dir', dataDir, '--kafka-addr', `127.0.0.1:${ports.kafka}`];
  if (!(options.extraArgs ?? []).includes('--schema-registry-addr')) {
    args.push('--schema-registry-addr', ports.registry === null ? 'none' : `127.0.0.1:${ports.registry}`);
  }
  if (!(options.extraArgs ?? []).includes('--proxy-addr')) {
    args.push('--proxy-addr', ports.proxy === null ? 'none' : `127.0.0.1:${ports.proxy}`);
  }
  if (!(options.extraArgs ?? []).includes('--admin-addr')) {
    args.push('--admin-addr', ports.admin === null ? 'none' : `127.0.0.1:${ports.admin}`);
  }
  if (options.nodeId !== undefined) args.push('--node-id', String(options.nodeId));
  if (options.dev ?? true) args.push('--dev');
  // Tests must not depend on how full the machine's disk is: a small free-space reserve unless a
  // test sets its own (the 5 GiB default would refuse every write on a disk with less free).
  const settings = { 'storage.min.free.bytes': String(TEST_MIN_FREE_BYTES), ...options.settings };
  for (const [key, value] of Object.entries(settings)) args.push('--set', `${key}=${value}`);
  args.push(...(options.extraArgs ?? []));
  return args;
}

/** Keeps reading a stream so the child never blocks on a full pipe; remembers the tail. */
function drain(stream: ReadableStream<Uint8Array>, sink: { text: string }): void {
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of stream) {
        sink.text += decoder.decode(chunk, { stream: true });
        if (sink.text.length > STDERR_KEEP_CHARS * 2) sink.text = sink.text.slice(-STDERR_KEEP_CHARS);
      }
    } catch {
      // The process died; whatever we have is what there is.
    }
  })();
}

async function spawnAndWait(ports: Ports, dataDir: string, options: BrokerOptions): Promise<Running> {
  assertBinaryBuilt();
  const port = ports.kafka;
  const stderr = { text: '' };
  const command = [FRESHET_BIN, ...brokerArgs(ports, dataDir, options)];
  if (options.fdLimit) {
    const { n, soft } = options.fdLimit;
    command.unshift('/bin/sh', '-c', `ulimit -${soft ? 'S' : ''}n ${n} && exec "$0" "$@"`);
  }
  const proc = Bun.spawn(command, {
    cwd: dataDir,
    env: { ...process.env, ...options.env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  liveProcs.add(proc);
  void proc.exited.then(() => liveProcs.delete(proc));
  drain(proc.stdout as ReadableStream<Uint8Array>, stderr);
  drain(proc.stderr as ReadableStream<Uint8Array>, stderr);

  const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const deadline = performance.now() + readyTimeoutMs;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await Bun.sleep(50); // let the drain loop collect the last words
      throw new BrokerStartError(`freshet exited (${proc.exitCode ?? proc.signalCode}) before listening on ${port}`, stderr.text);
    }
    // The listener is bound before the data directory is opened, so accepting TCP is not yet
    // serving: the node logs "ready" once it serves.
    if (stderr.text.includes(' ready: ') && (await canConnect(port))) return { proc, stderr };
    await Bun.sleep(READY_POLL_MS);
  }
  proc.kill('SIGKILL');
  await proc.exited;
  throw new BrokerStartError(`freshet did not accept TCP on 127.0.0.1:${port} within ${readyTimeoutMs} ms`, stderr.text);
}

export class BrokerStartError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(`${message}\n--- freshet stderr ---\n${stderr.slice(-8_000)}`);
    this.name = 'BrokerStartError';
  }
}

async function stopProc(proc: Subprocess, signal: 'SIGTERM' | 'SIGKILL', graceMs = STOP_GRACE_MS): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill(signal);
  // A paused process (SIGSTOP) handles SIGTERM only once continued.
  if (signal === 'SIGTERM') proc.kill('SIGCONT');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/** Starts dist/freshet on a free port with a fresh temp data dir and waits until it listens. */
export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'freshet-test-'));
  mkdirSync(dataDir, { recursive: true });
  let ports: Ports = { kafka: 0, registry: null, proxy: null, admin: null };
  let running: Running | null = null;
  for (let attempt = 1; running === null; attempt++) {
    ports = {
      kafka: await freePort(),
      registry: options.registry ? await freePort() : null,
      proxy: options.proxy ? await freePort() : null,
      admin: options.admin ? await freePort() : null,
    };
    try {
      running = await spawnAndWait(ports, dataDir, options);
    } catch (error) {
      // Another process may have taken the port between freePort() and the bind.
      const portTaken = error instanceof BrokerStartError && /in use|EADDRINUSE/i.test(error.stderr);
      if (!portTaken || attempt >= START_ATTEMPTS_MAX) {
        rmSync(dataDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  let current: Running = running;
  const port = ports.kafka;

  const broker: Broker = {
    port,
    bootstrap: `127.0.0.1:${port}`,
    registryUrl: ports.registry === null ? null : `http://127.0.0.1:${ports.registry}`,
    proxyUrl: ports.proxy === null ? null : `http://127.0.0.1:${ports.proxy}`,
    adminUrl: ports.admin === null ? null : `http://127.0.0.1:${ports.admin}`,
    dataDir,
    get proc() {
      return current.proc;
    },
    logs: () => current.stderr.text,
    rssKiB: () => {
      const status = readFileSync(`/proc/${current.proc.pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      if (match === null) throw new Error(`no VmRSS for pid ${current.proc.pid}`);
      return Number(match[1]);
    },
    stop: async () => stopProc(current.proc, 'SIGTERM', options.stopGraceMs),
    kill9: async () => stopProc(current.proc, 'SIGKILL'),
    pause: () => current.proc.kill('SIGSTOP'),
    resume: () => current.proc.kill('SIGCONT'),
    restart: async () => {
      await stopProc(current.proc, 'SIGTERM', options.stopGraceMs);
      current = await spawnAndWait(ports, dataDir, options);
    },
    dispose: async () => {
      await stopProc(current.proc, 'SIGTERM', options.stopGraceMs);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return broker;
}
