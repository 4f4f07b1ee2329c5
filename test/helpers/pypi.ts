// confluent-kafka from PyPI (librdkafka 2.16, KIP-848 group.protocol=consumer) in the
// integration tests: scripts in test/integration/py/ run by the virtualenv's python that
// test/clients/install.sh made, each printing one JSON object as its last stdout line.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENTS_DIR, lastJsonLine } from './installed.ts';
import { describeRun, expectSuccess, PY_DIR, run } from './process.ts';

const VENV_PYTHON = join(CLIENTS_DIR, 'venv', 'bin', 'python');
const DEFAULT_RUN_TIMEOUT_MS = 60_000;

/** Why confluent-kafka from PyPI cannot run here, or null when it can. */
export function pypiClientMissing(): string | null {
  return existsSync(VENV_PYTHON) ? null : `no virtualenv at ${VENV_PYTHON}`;
}

/** Runs test/integration/py/<script> in the virtualenv and returns its last JSON line. */
export async function pypiJson<T>(script: string, args: readonly string[], timeoutMs = DEFAULT_RUN_TIMEOUT_MS): Promise<T> {
  const result = expectSuccess(await run([VENV_PYTHON, '-u', join(PY_DIR, script), ...args], { timeoutMs }));
  const json = lastJsonLine<T>(result.stdout);
  if (json === null) throw new Error(`no JSON result line\n${describeRun(result)}`);
  return json;
}
