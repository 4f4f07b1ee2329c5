// Clients that test/clients/install.sh installs into .test-clients/ (not in git): Kafka's Java
// client (java.ts) and confluent-kafka from PyPI (pypi.ts). Whether one is there is a
// Requirement (requirements.ts): missing, its tests skip visibly, and fail under CI=true.

import { join } from 'node:path';
import { REPO_ROOT } from './broker.ts';

export const CLIENTS_DIR = join(REPO_ROOT, '.test-clients');

/** One JSON object on the last line of a client program's stdout. */
export function lastJsonLine<T>(stdout: string): T | null {
  const lines = stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1] ?? '') as T;
  } catch {
    return null;
  }
}
