// confluent-kafka from PyPI (librdkafka 2.10+), for what Debian's 1.7 cannot do: the GROUP
// config resource (KIP-848) and incremental_alter_configs (KIP-339). .ci/run installs it into
// .venv-test at the repository root; elsewhere a test that needs it is skipped with a warning,
// and under CI=true a missing venv fails the run.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './broker.ts';
import { describeRun, expectSuccess, PY_DIR, type RunOptions, run } from './process.ts';

export const PYPI_PYTHON = join(REPO_ROOT, '.venv-test', 'bin', 'python');
const INSTALL = 'python3 -m venv .venv-test && .venv-test/bin/pip install confluent-kafka==2.16.1';

/** Whether the PyPI client is installed; says so visibly when not, and throws under CI=true. */
export function pypiClientAvailable(): boolean {
  if (existsSync(PYPI_PYTHON)) return true;
  if (process.env.CI === 'true') throw new Error(`${PYPI_PYTHON} is missing under CI=true; .ci/run installs it (${INSTALL})`);
  console.warn(`SKIPPING tests that need confluent-kafka from PyPI: no ${PYPI_PYTHON} (${INSTALL})`);
  return false;
}

/** Runs test/integration/py/<script> with the venv's python; returns its last stdout line as JSON. */
export async function pypiJson<T = any>(script: string, args: readonly string[], options: RunOptions = {}): Promise<T> {
  const result = expectSuccess(await run([PYPI_PYTHON, join(PY_DIR, script), ...args], { timeoutMs: 45_000, ...options }));
  const lines = result.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1] ?? '') as T;
  } catch {
    throw new Error(`no JSON result line\n${describeRun(result)}`);
  }
}
