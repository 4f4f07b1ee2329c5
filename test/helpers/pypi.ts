// confluent-kafka from PyPI (its wheel bundles librdkafka 2.x) beside Debian's 1.7, which stays
// what the other Python tests run: KIP-848 consumers (group.protocol=consumer), admin calls
// (ACLs, elect_leaders, authorized operations), the GROUP config resource,
// incremental_alter_configs and Produce v8+ record errors (KIP-467), which 1.7 lacks.
// test/clients/install.sh puts it in a virtualenv under .test-clients/ (.ci/run runs it);
// tests declare it with testRequiring(PYPI_CLIENT, ...) or available(PYPI_CLIENT), so they are
// skipped visibly without it and fail under CI=true (requirements.ts). Scripts live in
// test/integration/py/ and print one JSON object as their last stdout line.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENTS_DIR, lastJsonLine } from './installed.ts';
import { describeRun, expectSuccess, PY_DIR, type RunOptions, run } from './process.ts';
import { requirement } from './requirements.ts';

export const PYPI_PYTHON = join(CLIENTS_DIR, 'venv', 'bin', 'python');
const DEFAULT_RUN_TIMEOUT_MS = 60_000;

export const PYPI_CLIENT = requirement(
  existsSync(PYPI_PYTHON),
  `confluent-kafka from PyPI (no virtualenv at ${PYPI_PYTHON}: run \`bash test/clients/install.sh\`)`,
);

/** Runs test/integration/py/<script> with the virtualenv's python; returns its last JSON line. */
export async function pypiJson<T = any>(script: string, args: readonly string[], options: RunOptions = {}): Promise<T> {
  const result = expectSuccess(await run([PYPI_PYTHON, '-u', join(PY_DIR, script), ...args], { timeoutMs: DEFAULT_RUN_TIMEOUT_MS, ...options }));
  const json = lastJsonLine<T>(result.stdout);
  if (json === null) throw new Error(`no JSON result line\n${describeRun(result)}`);
  return json;
}
