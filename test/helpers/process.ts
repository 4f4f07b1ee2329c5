// Running the client tools we did not write (kcat, Python clients) with a bounded time and
// captured output. Every call has a timeout: a client that hangs on a broken broker must fail
// the test, not the whole run.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { allOf, requirement } from './requirements.ts';

/** kcat from Debian (librdkafka 2.0.2 on bookworm); .ci/run installs it. */
export const KCAT = '/usr/bin/kcat';
/** Debian's python3: a pyenv python3 earlier on PATH lacks python3-confluent-kafka and python3-kafka. */
export const PYTHON = '/usr/bin/python3';

// What the tests that run these need: missing, they skip visibly (fail under CI=true).
export const KCAT_TOOL = requirement(existsSync(KCAT), `kcat at ${KCAT} (apt-get install kcat)`);
export const PYTHON_CLIENTS = requirement(
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import confluent_kafka, kafka']).status === 0,
  `confluent-kafka and kafka-python for ${PYTHON} (apt-get install python3-confluent-kafka python3-kafka)`,
);
export const KCAT_AND_PYTHON = allOf(KCAT_TOOL, PYTHON_CLIENTS);
/** Folder of the Python client scripts. */
export const PY_DIR = join(import.meta.dir, '..', 'integration', 'py');

const DEFAULT_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 2_000;

export type RunResult = {
  command: readonly string[];
  exitCode: number | null;
  signalCode: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
};

export type RunOptions = {
  timeoutMs?: number;
  stdin?: string | Uint8Array;
  env?: Record<string, string>;
  cwd?: string;
};

/** Runs a command to completion (or its timeout: SIGTERM, then SIGKILL) and captures output. */
export async function run(command: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const proc = Bun.spawn([...command], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdin: options.stdin === undefined ? 'ignore' : new Blob([options.stdin]),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let timedOut = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill('SIGTERM');
    killTimer = setTimeout(() => proc.kill('SIGKILL'), KILL_GRACE_MS);
  }, timeoutMs);
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  await proc.exited;
  clearTimeout(timer);
  if (killTimer !== undefined) clearTimeout(killTimer);
  return { command, exitCode: proc.exitCode, signalCode: proc.signalCode === null ? null : String(proc.signalCode), timedOut, stdout, stderr };
}

/** One readable paragraph about a finished command, for assertion messages. */
export function describeRun(result: RunResult): string {
  const status = result.timedOut
    ? 'timed out'
    : result.signalCode !== null
      ? `killed by ${result.signalCode}`
      : `exit ${result.exitCode}`;
  return [
    `$ ${result.command.join(' ')}  (${status})`,
    `--- stdout ---\n${tail(result.stdout)}`,
    `--- stderr ---\n${tail(result.stderr)}`,
  ].join('\n');
}

/** Throws with the command's output unless it exited 0 within its time. */
export function expectSuccess(result: RunResult): RunResult {
  if (result.timedOut || result.exitCode !== 0) throw new Error(describeRun(result));
  return result;
}

export async function kcat(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return await run([KCAT, ...args], options);
}

/** Runs test/integration/py/<script> with Debian's python3. */
export async function python(script: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return await run([PYTHON, '-u', join(PY_DIR, script), ...args], options);
}

/**
 * Runs a Python script that prints one JSON object as its last stdout line and returns it.
 * Throws with the whole output if the script failed or printed no JSON.
 */
export async function pythonJson<T = any>(script: string, args: readonly string[], options: RunOptions = {}): Promise<T> {
  const result = expectSuccess(await python(script, args, options));
  const lines = result.stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`no JSON result line\n${describeRun(result)}`);
  }
}

/** Parses kcat -J output: one JSON object per line. */
export function parseJsonLines<T = any>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as T);
}

const TAIL_CHARS = 4_000;
function tail(text: string): string {
  return text.length <= TAIL_CHARS ? text : `...${text.slice(-TAIL_CHARS)}`;
}
