// Runs dist/freshet for one bench phase: fresh data dir, free loopback port, stderr to a log
// file, optionally under strace counting fdatasync calls (the broker's commits). Kill it with
// stop(); every broker started here is also SIGKILLed if the bench process exits.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createServer } from 'node:net';
import type { Subprocess } from 'bun';

const READY_TIMEOUT_MS = 20_000;
const READY_POLL_MS = 2;
const STOP_GRACE_MS = 5_000;

const live = new Set<Subprocess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export type BrokerOptions = {
  bin: string;
  dataDir: string;
  dev: boolean;
  /** --set key=value broker properties. */
  settings?: Record<string, string>;
  /** Count the broker's fdatasync/fsync calls with strace (--seccomp-bpf: only those stop). */
  traceFsyncsTo?: string;
  logFile: string;
  /** More command-line arguments after the ones above (e.g. --schema-registry-addr). */
  extraArgs?: readonly string[];
  /** Variables added to the broker's environment (e.g. an allocator setting to compare). */
  env?: Record<string, string>;
};

export type RunningBroker = {
  readonly port: number;
  readonly bootstrap: string;
  /** The broker's own pid (not strace's). */
  readonly pid: number;
  /** ms from spawn to the port accepting TCP. */
  readonly readyMs: number;
  stop(): Promise<void>;
};

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

export async function canConnect(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(s) {
          s.end();
          resolve(true);
        },
        data() {},
        error() {
          resolve(false);
        },
        connectError() {
          resolve(false);
        },
      },
    }).catch(() => resolve(false));
  });
}

export function brokerArgv(o: BrokerOptions, port: number): string[] {
  const argv = [o.bin, 'start', '--data-dir', o.dataDir, '--kafka-addr', `127.0.0.1:${port}`, '--schema-registry-addr', 'none', '--proxy-addr', 'none', '--admin-addr', 'none'];
  if (o.dev) argv.push('--dev');
  for (const [k, v] of Object.entries(o.settings ?? {})) argv.push('--set', `${k}=${v}`);
  argv.push(...(o.extraArgs ?? []));
  if (!o.traceFsyncsTo) return argv;
  return ['strace', '-f', '--seccomp-bpf', '-qq', '-ttt', '-e', 'trace=fdatasync,fsync', '-o', o.traceFsyncsTo, ...argv];
}

/** The broker's pid when it runs under strace: strace's only child. */
function childPid(pid: number): number {
  const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  if (children.length !== 1) throw new Error(`expected one child of strace ${pid}, got '${children.join(' ')}'`);
  return Number(children[0]);
}

function logSince(file: string, position: number): string {
  return fs.readFileSync(file).subarray(position).toString('utf8');
}

export async function startBroker(o: BrokerOptions): Promise<RunningBroker> {
  fs.mkdirSync(o.dataDir, { recursive: true });
  const port = await freePort();
  const log = fs.openSync(o.logFile, 'a');
  const logStart = fs.fstatSync(log).size;
  const t0 = performance.now();
  const env = o.env === undefined ? undefined : { ...process.env, ...o.env };
  const proc = Bun.spawn(brokerArgv(o, port), { stdin: 'ignore', stdout: log, stderr: log, env });
  live.add(proc);
  const deadline = t0 + READY_TIMEOUT_MS;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`freshet exited (${proc.exitCode ?? proc.signalCode}) before listening; see ${o.logFile}`);
    }
    // The listener is bound before the data directory is opened: the node serves once it logs
    // "ready" (this run's part of the log file).
    if ((await canConnect(port)) && logSince(o.logFile, logStart).includes(' ready: ')) break;
    if (performance.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`freshet did not listen on ${port} within ${READY_TIMEOUT_MS} ms; see ${o.logFile}`);
    }
    await Bun.sleep(READY_POLL_MS);
  }
  const readyMs = performance.now() - t0;
  const pid = o.traceFsyncsTo ? childPid(proc.pid) : proc.pid;
  return {
    port,
    bootstrap: `127.0.0.1:${port}`,
    pid,
    readyMs,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        process.kill(pid, 'SIGTERM');
        const timer = setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {}
          proc.kill('SIGKILL');
        }, STOP_GRACE_MS);
        await proc.exited;
        clearTimeout(timer);
      }
      live.delete(proc);
      fs.closeSync(log);
    },
  };
}

/** fdatasync calls in a `strace -ttt` output whose start time lies in [fromS, toS] (epoch s). */
export function countFdatasyncs(traceFile: string, fromS: number, toS: number): number {
  let n = 0;
  for (const line of fs.readFileSync(traceFile, 'utf8').split('\n')) {
    // "1234 1700000000.123456 fdatasync(23 <unfinished ...>" or "... fdatasync(23) = 0"
    const m = /^(?:\d+\s+)?(\d+\.\d+) fdatasync\(/.exec(line);
    if (m && Number(m[1]) >= fromS && Number(m[1]) <= toS) n++;
  }
  return n;
}

export function freshDir(root: string, name: string): string {
  const dir = path.join(root, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
