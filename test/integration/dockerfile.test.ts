// The container image's configuration, checked without a container engine: the Dockerfile's
// ENV, ENTRYPOINT + CMD and HEALTHCHECK are read from the file and run against dist/freshet as
// the image would run them (only the data directory and the port are moved to free ones). So
// a variable the binary does not know, a health check that cannot pass, or an EXPOSE for a
// listener that does not exist fails here.

import { afterAll, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBinaryBuilt, FRESHET_BIN, REPO_ROOT } from '../helpers/broker.ts';
import { freePort } from '../helpers/ports.ts';
import { describeRun, kcat, KCAT_TOOL, run } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(60_000);

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
/** The final stage: what the image runs. */
const runStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
/** Instructions with their continuation lines joined. */
const instructions = runStage
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => /^[A-Z]+ /.test(l));

function instruction(name: string): string {
  const found = instructions.filter((l) => l.startsWith(`${name} `));
  expect(found.length, `one ${name} in the run stage`).toBe(1);
  return found[0].slice(name.length + 1).trim();
}

function envOfImage(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of instructions.filter((l) => l.startsWith('ENV '))) {
    for (const m of line.slice(4).matchAll(/([A-Z_]+)=(\S+)/g)) env[m[1]] = m[2];
  }
  return env;
}

const scratch = mkdtempSync(join(tmpdir(), 'freshet-image-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("the image exposes Redpanda's ports (Kafka, RPC, registry, proxy, admin), keeps its data dir on a volume, and probes the admin API's readiness", () => {
  const env = envOfImage();
  // DESIGN.md section 1: Redpanda's defaults, 9092 Kafka, 33145 RPC, 8081 registry, 8082 proxy, 9644 admin.
  expect(instruction('EXPOSE').split(/\s+/)).toEqual(['9092', '33145', '8081', '8082', '9644']);
  expect(env.FRESHET_KAFKA_ADDR).toEndWith(':9092');
  expect(env.FRESHET_SCHEMA_REGISTRY_ADDR).toBe('0.0.0.0:8081');
  expect(env.FRESHET_PROXY_ADDR).toBe('0.0.0.0:8082');
  expect(env.FRESHET_ADMIN_ADDR).toBe('0.0.0.0:9644');
  // Redpanda's readiness endpoint, https://docs.redpanda.com/api/admin-api/ (GET /v1/status/ready).
  expect(instruction('HEALTHCHECK')).toMatch(/ CMD curl -fsS -o \/dev\/null http:\/\/127\.0\.0\.1:9644\/v1\/status\/ready \|\| exit 1$/);
  expect(JSON.parse(instruction('VOLUME'))).toEqual([env.FRESHET_DATA_DIR]);
  expect(env.FRESHET_ADVERTISE_KAFKA_ADDR).toBeDefined();
});

testRequiring(KCAT_TOOL, 'ENTRYPOINT + CMD with the image ENV serves; the HEALTHCHECK passes while it does and fails after SIGTERM', async () => {
  assertBinaryBuilt();
  const port = await freePort();
  const dataDir = join(scratch, 'data');
  const env = envOfImage();
  env.FRESHET_DATA_DIR = dataDir;
  env.FRESHET_KAFKA_ADDR = env.FRESHET_KAFKA_ADDR.replace(/:9092$/, `:${port}`);
  env.FRESHET_ADVERTISE_KAFKA_ADDR = env.FRESHET_ADVERTISE_KAFKA_ADDR.replace(/:9092$/, `:${port}`);
  env.FRESHET_SCHEMA_REGISTRY_ADDR = env.FRESHET_SCHEMA_REGISTRY_ADDR.replace(/:8081$/, `:${await freePort()}`);
  env.FRESHET_PROXY_ADDR = env.FRESHET_PROXY_ADDR.replace(/:8082$/, `:${await freePort()}`);
  // The admin API on a free port when the image sets one, else off: never the default 9644.
  env.FRESHET_ADMIN_ADDR = env.FRESHET_ADMIN_ADDR === undefined ? 'none' : env.FRESHET_ADMIN_ADDR.replace(/:9644$/, `:${await freePort()}`);
  // FRESHET_BROKERS is unset in the image (empty counts as unset): status finds the listener.
  const binary = (argv: string[]) => argv.map((a) => (a === '/usr/local/bin/freshet' ? FRESHET_BIN : a));
  const command = binary([...JSON.parse(instruction('ENTRYPOINT')), ...JSON.parse(instruction('CMD'))]);
  const healthcheck = ['/bin/sh', '-c', instruction('HEALTHCHECK').replace(/^.*?\bCMD\s+/, '').replace(':9644/', `:${env.FRESHET_ADMIN_ADDR.split(':').pop()}/`)];

  const proc = Bun.spawn(command, { env: { ...process.env, ...env }, cwd: scratch, stdout: 'ignore', stderr: 'pipe' });
  let stderr = '';
  const reading = (async () => {
    for await (const chunk of proc.stderr) stderr += new TextDecoder().decode(chunk);
  })();
  try {
    for (let i = 0; i < 400 && proc.exitCode === null && !stderr.includes(' ready: '); i++) await Bun.sleep(25);
    expect(stderr).toContain(`ready: kafka 0.0.0.0:${port}, data ${dataDir}`);
    expect(stderr, 'the image runs durable, not --dev').not.toContain('DEV MODE');
    const healthy = await run(healthcheck, { env: { ...process.env, ...env, FRESHET_BROKERS: '' }, timeoutMs: 15_000 });
    expect(healthy.exitCode, describeRun(healthy)).toBe(0);
    const metadata = await kcat(['-b', `127.0.0.1:${port}`, '-L'], { timeoutMs: 15_000 });
    expect(metadata.stdout).toContain(`at ${env.FRESHET_ADVERTISE_KAFKA_ADDR}`);
  } finally {
    proc.kill('SIGTERM');
    await proc.exited;
    await reading;
  }
  expect(proc.exitCode, stderr).toBe(0);
  expect(existsSync(join(dataDir, 'meta.json'))).toBe(true);
  const down = await run(healthcheck, { env: { ...process.env, ...env, FRESHET_BROKERS: '' }, timeoutMs: 30_000 });
  expect(down.exitCode, describeRun(down)).toBe(1);
});
