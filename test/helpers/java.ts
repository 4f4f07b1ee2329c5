// Kafka's own Java client in the integration tests: the programs in test/integration/java/
// (one main class each, printing one JSON object as the last stdout line) are compiled once per
// test run with javac against the jars test/clients/install.sh fetched, into a folder named by
// a hash of their sources, and each run is one JVM bounded by a timeout.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './broker.ts';
import { CLIENTS_DIR, lastJsonLine } from './installed.ts';
import { describeRun, expectSuccess, run } from './process.ts';
import { requirement } from './requirements.ts';

const JAVA_LIB = join(CLIENTS_DIR, 'java', 'lib');
const SOURCES_DIR = join(REPO_ROOT, 'test', 'integration', 'java');
const COMPILE_TIMEOUT_MS = 120_000;
const DEFAULT_RUN_TIMEOUT_MS = 90_000;

function tool(name: string): string | null {
  const home = process.env.JAVA_HOME;
  if (home !== undefined && existsSync(join(home, 'bin', name))) return join(home, 'bin', name);
  return Bun.which(name);
}

/** Why the Java client cannot run here, or null when it can. */
function javaClientMissing(): string | null {
  if (tool('java') === null || tool('javac') === null) return 'no java/javac (a JDK 17+) on PATH or in JAVA_HOME';
  if (!existsSync(JAVA_LIB) || !readdirSync(JAVA_LIB).some((f) => f.startsWith('kafka-clients-'))) return `no kafka-clients jar in ${JAVA_LIB}`;
  return null;
}

const javaMissing = javaClientMissing();
export const JAVA_CLIENT = requirement(
  javaMissing === null,
  `Kafka's Java client (${javaMissing}: run \`bash test/clients/install.sh\`, which needs java, javac and mvn)`,
);

let compiled: Promise<string> | null = null;

/** Compiles the Java programs once per test process (and not again while their sources are unchanged). */
function compile(): Promise<string> {
  compiled ??= (async () => {
    const sources = readdirSync(SOURCES_DIR).filter((f) => f.endsWith('.java')).sort().map((f) => join(SOURCES_DIR, f));
    const hash = createHash('sha256');
    for (const f of sources) hash.update(f).update(readFileSync(f));
    const out = join(CLIENTS_DIR, 'java', `classes-${hash.digest('hex').slice(0, 16)}`);
    if (existsSync(join(out, '.done'))) return out;
    mkdirSync(out, { recursive: true });
    expectSuccess(await run([tool('javac')!, '-nowarn', '-d', out, '-cp', `${JAVA_LIB}/*`, ...sources], { timeoutMs: COMPILE_TIMEOUT_MS }));
    await Bun.write(join(out, '.done'), '');
    return out;
  })();
  return compiled;
}

/** Runs one program's main class and returns the JSON object it printed last. */
export async function javaJson<T>(mainClass: string, args: readonly string[], timeoutMs = DEFAULT_RUN_TIMEOUT_MS): Promise<T> {
  const classes = await compile();
  // The client's own warnings go to stderr (shown when a test fails); INFO would drown them.
  const command = [tool('java')!, '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', `${classes}:${JAVA_LIB}/*`, mainClass, ...args];
  const result = expectSuccess(await run(command, { timeoutMs }));
  const json = lastJsonLine<T>(result.stdout);
  if (json === null) throw new Error(`no JSON result line\n${describeRun(result)}`);
  return json;
}
