// confluent-kafka from PyPI (librdkafka 2.10+), for what Debian's 1.7 cannot do: the GROUP
// config resource (KIP-848) and incremental_alter_configs (KIP-339). .ci/run installs it into
// .venv-test at the repository root; tests declare it with testRequiring(PYPI_CLIENT, ...), so
// they are skipped visibly without it and fail under CI=true (requirements.ts).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './broker.ts';
import { describeRun, expectSuccess, PY_DIR, type RunOptions, run } from './process.ts';
import { requirement } from './requirements.ts';

export const PYPI_PYTHON = join(REPO_ROOT, '.venv-test', 'bin', 'python');

export const PYPI_CLIENT = requirement(
  existsSync(PYPI_PYTHON),
  'confluent-kafka from PyPI in .venv-test (python3 -m venv .venv-test && .venv-test/bin/pip install confluent-kafka==2.16.1)',
);

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
