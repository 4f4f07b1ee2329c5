// prometheus_client (PyPI, in the test clients' virtualenv: test/clients/requirements.txt) as
// the parser we did not write for our /metrics text: test/integration/py/parse_metrics.py.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricsFormat } from '../../src/base/metrics-text.ts';
import { describeRun, PY_DIR, run } from './process.ts';
import { PYPI_PYTHON } from './pypi.ts';
import { requirement } from './requirements.ts';

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number | string;
}
export interface ParsedFamily {
  name: string;
  type: string;
  help: string;
  samples: ParsedSample[];
}

/** The virtualenv exists and has prometheus_client (an older one may predate it: install.sh again). */
export const PROMETHEUS_PARSER = requirement(
  existsSync(PYPI_PYTHON) && spawnSync(PYPI_PYTHON, ['-c', 'import prometheus_client']).status === 0,
  `prometheus_client from PyPI in ${PYPI_PYTHON} (run \`bash test/clients/install.sh\`)`,
);

/** The families prometheus_client reads from `text`; throws with its message when it rejects it. */
export async function parseWithPrometheusClient(text: string, format: MetricsFormat): Promise<ParsedFamily[]> {
  const result = await run([PYPI_PYTHON, join(PY_DIR, 'parse_metrics.py'), format], { stdin: text, timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw new Error(`prometheus_client rejected the ${format} text\n${describeRun(result)}`);
  return (JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as { families: ParsedFamily[] }).families;
}

/** The value of the one sample named `sample` whose labels include `labels`; undefined if none. */
export function sampleValue(families: readonly ParsedFamily[], sample: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return typeof s.value === 'number' ? s.value : Number.NaN;
    }
  }
  return undefined;
}

/** The sum of every sample named `sample` whose labels include `labels` (0 when none). */
export function sampleSum(families: readonly ParsedFamily[], sample: string, labels: Record<string, string> = {}): number {
  let n = 0;
  for (const f of families) {
    for (const s of f.samples) if (s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) n += Number(s.value);
  }
  return n;
}
