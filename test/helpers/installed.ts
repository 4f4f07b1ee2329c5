// Clients that test/clients/install.sh installs into .test-clients/ (not in git): Kafka's Java
// client and confluent-kafka from PyPI. A test file that needs one asks `whenInstalled` first:
// when the client is missing, its tests are skipped and say so on stderr; under CI=true (CI
// installs every client) the file instead gets one failing test naming what is missing.

import { join } from 'node:path';
import { test } from 'bun:test';
import { REPO_ROOT } from './broker.ts';

export const CLIENTS_DIR = join(REPO_ROOT, '.test-clients');
const INSTALL_HINT = 'install it with `bash test/clients/install.sh` (needs java, javac, mvn, python3-venv)';

/**
 * True when `missing` is null (the client is there). Otherwise false: under CI=true a failing
 * test is registered in the calling file, else a skip notice is printed.
 */
export function whenInstalled(client: string, missing: string | null): boolean {
  if (missing === null) return true;
  if (process.env.CI === 'true') {
    test(`${client} is installed`, () => {
      throw new Error(`${client} is missing under CI=true: ${missing}; ${INSTALL_HINT}`);
    });
  } else {
    console.warn(`SKIPPED: tests with ${client}: ${missing}; ${INSTALL_HINT}`);
  }
  return false;
}

/** One JSON object on the last line of a client program's stdout. */
export function lastJsonLine<T>(stdout: string): T | null {
  const lines = stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1] ?? '') as T;
  } catch {
    return null;
  }
}
