// The bench's native helpers (rdkafka-bench.c, tcp-pair.c): checks for what they need, compiles
// them into a temporary directory (binaries are never written into the repository), and runs
// them, parsing the one JSON object each prints.

import * as fs from 'node:fs';
import * as path from 'node:path';

export const INSTALL_HINT = 'apt-get update && apt-get install -y gcc librdkafka-dev strace';

export type Prereqs = { gcc: boolean; librdkafka: boolean; strace: boolean; missing: string[] };

export function checkPrereqs(): Prereqs {
  const gcc = Bun.which('gcc') !== null;
  const librdkafka = fs.existsSync('/usr/include/librdkafka/rdkafka.h');
  const strace = Bun.which('strace') !== null;
  const missing: string[] = [];
  if (!gcc) missing.push('gcc');
  if (!librdkafka) missing.push('librdkafka-dev (librdkafka headers)');
  return { gcc, librdkafka, strace, missing };
}

export type NativeTools = { rdkafkaBench: string | null; tcpPair: string | null };

function gcc(out: string, src: string, libs: string[]): void {
  const r = Bun.spawnSync(['gcc', '-O2', '-Wall', '-o', out, src, ...libs], { stderr: 'pipe', stdout: 'pipe' });
  if (r.exitCode !== 0) throw new Error(`gcc ${path.basename(src)} failed:\n${r.stderr.toString()}`);
}

export function compileTools(tmpDir: string, p: Prereqs): NativeTools {
  const here = import.meta.dir;
  const tools: NativeTools = { rdkafkaBench: null, tcpPair: null };
  if (!p.gcc) return tools;
  tools.tcpPair = path.join(tmpDir, 'tcp-pair');
  gcc(tools.tcpPair, path.join(here, 'tcp-pair.c'), []);
  if (p.librdkafka) {
    tools.rdkafkaBench = path.join(tmpDir, 'rdkafka-bench');
    gcc(tools.rdkafkaBench, path.join(here, 'rdkafka-bench.c'), ['-lrdkafka', '-lm']);
  }
  return tools;
}

export type Spawned<T> = { result: T; pid: number };

/** Runs a native tool to completion; `onStart` gets its pid (for CPU accounting). */
export async function runJson<T>(argv: string[], timeoutMs: number, onStart?: (pid: number) => void): Promise<T> {
  const proc = Bun.spawn(argv, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  onStart?.(proc.pid);
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(timer);
  const line = out.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) {
    throw new Error(`${path.basename(argv[0]!)} ${argv.slice(1).join(' ')}: exit ${proc.exitCode ?? proc.signalCode}, no result\n${err.slice(-4000)}`);
  }
  return JSON.parse(line) as T;
}
