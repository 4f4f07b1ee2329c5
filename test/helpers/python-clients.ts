// confluent-kafka 2.x for Python, from PyPI, for the admin calls and protocol versions that
// Debian's python3-confluent-kafka 1.7 (librdkafka 2.0.2) lacks: describe_cluster/topics with
// authorized operations (KIP-430), describe/create/delete_acls, elect_leaders, Produce v8+ with
// per-record errors (KIP-467). The wheel bundles its own librdkafka. It is installed with pip
// into a folder of the repository (.cache/, ignored by git) and put on PYTHONPATH for the
// scripts that need it, so Debian's 1.7 stays what every other test runs.
//
// .ci/run installs it before the tests (`bun test/helpers/python-clients.ts`); a test file that
// finds it missing installs it once. Without pip or a registry the tests that need it skip and
// say why, except under CI=true, where that is a failure.

import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './broker.ts';
import { PYTHON, describeRun, run } from './process.ts';

export const CONFLUENT_KAFKA_2_VERSION = '2.16.1';
const TARGET = join(REPO_ROOT, '.cache', 'python', `confluent-kafka-${CONFLUENT_KAFKA_2_VERSION}`);
const PIP_TIMEOUT_MS = 300_000;

export type PythonClient = { ok: true; env: Record<string, string> } | { ok: false; reason: string };

async function importable(): Promise<boolean> {
  if (!existsSync(TARGET)) return false;
  const probe = await run([PYTHON, '-c', 'import confluent_kafka; print(confluent_kafka.__version__)'], { env: { PYTHONPATH: TARGET } });
  return probe.exitCode === 0 && probe.stdout.trim() === CONFLUENT_KAFKA_2_VERSION;
}

/** Installs confluent-kafka 2.x if needed; returns the environment that makes it importable. */
export async function confluentKafka2(): Promise<PythonClient> {
  if (await importable()) return { ok: true, env: { PYTHONPATH: TARGET } };
  // Install beside the target and rename: test files running at once never see half a package.
  const staging = `${TARGET}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  mkdirSync(staging, { recursive: true });
  const pip = await run(
    [PYTHON, '-m', 'pip', 'install', '--quiet', '--no-deps', '--disable-pip-version-check', '--target', staging, `confluent-kafka==${CONFLUENT_KAFKA_2_VERSION}`],
    { timeoutMs: PIP_TIMEOUT_MS },
  );
  if (pip.exitCode === 0) {
    try {
      renameSync(staging, TARGET);
    } catch {
      // Another test file installed it first.
    }
  }
  rmSync(staging, { recursive: true, force: true });
  if (await importable()) return { ok: true, env: { PYTHONPATH: TARGET } };
  return { ok: false, reason: `confluent-kafka ${CONFLUENT_KAFKA_2_VERSION} could not be installed with pip\n${describeRun(pip)}` };
}

/**
 * For a test file's top level: the client, or a visible reason to skip its tests. Under CI the
 * client is required, so a missing one throws and fails the file.
 */
export async function requireConfluentKafka2(): Promise<PythonClient> {
  const client = await confluentKafka2();
  if (!client.ok) {
    if (process.env.CI === 'true') throw new Error(client.reason);
    console.warn(`SKIPPING the confluent-kafka ${CONFLUENT_KAFKA_2_VERSION} tests: ${client.reason}`);
  }
  return client;
}

if (import.meta.main) {
  const client = await confluentKafka2();
  if (!client.ok) {
    console.error(client.reason);
    process.exit(1);
  }
  console.log(`confluent-kafka ${CONFLUENT_KAFKA_2_VERSION} ready in ${TARGET}`);
}
