// `freshet start` before it serves, on the real executable: strict booleans, the FRESHET_*
// environment, config file errors naming file and line, a port in use or a bad host failing
// before the data directory exists, corrupt metadata files named with what to do, and --help
// at every level listing what the tables hold.

import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PURGE_DELAY_MS, PURGE_DELAY_VAR } from '../../src/cli/allocator.ts';
import { envName, START_FLAGS } from '../../src/config/node-config.ts';
import { BROKER_PROPERTIES, formatProperty } from '../../src/config/properties.ts';
import { assertBinaryBuilt, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { canConnect, freePort } from '../helpers/ports.ts';
import { describeRun, kcat, KCAT_TOOL, run, type RunResult } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(60_000);

const scratch = mkdtempSync(join(tmpdir(), 'freshet-start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let dirCounter = 0;
/** A data directory path that does not exist yet. */
function freshDir(): string {
  return join(scratch, `data-${++dirCounter}`);
}

/** Nodes started here serve no schema registry, proxy or admin API unless a test says so:
 *  parallel tests would collide on their default ports, 8081, 8082 and 9644. (Environment
 *  variables, so flags and files still win.) */
const NO_REGISTRY = { FRESHET_SCHEMA_REGISTRY_ADDR: 'none', FRESHET_PROXY_ADDR: 'none', FRESHET_ADMIN_ADDR: 'none' };

async function freshet(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  assertBinaryBuilt();
  return await run([FRESHET_BIN, ...args], { timeoutMs: 15_000, env: { ...NO_REGISTRY, ...env }, cwd: scratch });
}

function expectExit(result: RunResult, code: number): RunResult {
  expect(result.timedOut, describeRun(result)).toBe(false);
  expect(result.exitCode, describeRun(result)).toBe(code);
  return result;
}

/** Runs `freshet start` until it is serving, runs `meanwhile`, then SIGTERMs it; returns its output. */
async function startAndStop(args: readonly string[], env: Record<string, string>, port: number, meanwhile = async () => {}): Promise<RunResult> {
  const proc = Bun.spawn([FRESHET_BIN, 'start', ...args], { env: { ...process.env, ...NO_REGISTRY, ...env }, cwd: scratch, stdout: 'pipe', stderr: 'pipe' });
  let stderr = '';
  const reading = (async () => {
    for await (const chunk of proc.stderr) stderr += new TextDecoder().decode(chunk);
  })();
  for (let i = 0; i < 400 && proc.exitCode === null && !stderr.includes(' ready: '); i++) await Bun.sleep(25);
  expect(await canConnect(port), stderr).toBe(true);
  try {
    await meanwhile();
  } finally {
    proc.kill('SIGTERM');
  }
  await proc.exited;
  await reading;
  return { command: ['freshet', 'start', ...args], exitCode: proc.exitCode, signalCode: null, timedOut: false, stdout: '', stderr };
}

describe('strict booleans', () => {
  test('--dev=false is not dev mode; --dev is', async () => {
    const port = await freePort();
    const off = await startAndStop(['--dev=false', '--data-dir', freshDir(), '--kafka-addr', `127.0.0.1:${port}`], {}, port);
    expect(off.stderr, describeRun(off)).toContain('ready');
    expect(off.stderr).not.toContain('DEV MODE');
    const on = await startAndStop(['--dev', '--data-dir', freshDir(), '--kafka-addr', `127.0.0.1:${port}`], {}, port);
    expect(on.stderr, describeRun(on)).toContain('DEV MODE');
  });

  test('--dev=maybe, FRESHET_DEV=maybe and YAML dev: maybe are usage errors (exit 2)', async () => {
    const dir = freshDir();
    const flag = expectExit(await freshet(['start', '--dev=maybe', '--data-dir', dir]), 2);
    expect(flag.stderr).toContain("--dev takes true or false, not 'maybe'");
    const env = expectExit(await freshet(['start', '--data-dir', dir], { FRESHET_DEV: 'maybe' }), 2);
    expect(env.stderr).toContain("FRESHET_DEV takes true or false, not 'maybe'");
    const file = join(scratch, 'dev-maybe.yaml');
    writeFileSync(file, `data-dir: ${dir}\ndev: maybe\n`);
    const yaml = expectExit(await freshet(['start', '--config', file]), 2);
    expect(yaml.stderr).toContain(`${file}:2: dev takes true or false, not 'maybe'`);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('environment', () => {
  testRequiring(KCAT_TOOL, 'FRESHET_DATA_DIR and FRESHET_ADVERTISE_KAFKA_ADDR configure the node; --kafka-addr wins over FRESHET_KAFKA_ADDR', async () => {
    const [port, other] = [await freePort(), await freePort()];
    const dir = freshDir();
    const env = { FRESHET_KAFKA_ADDR: `127.0.0.1:${other}`, FRESHET_DATA_DIR: dir, FRESHET_ADVERTISE_KAFKA_ADDR: 'broker.example:19092' };
    let metadata = '';
    const result = await startAndStop(['--kafka-addr', `127.0.0.1:${port}`], env, port, async () => {
      metadata = (await kcat(['-b', `127.0.0.1:${port}`, '-L'], { timeoutMs: 15_000 })).stdout;
    });
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(metadata).toContain('broker.example:19092');
    expect(result.stderr).toContain(`ready: kafka 127.0.0.1:${port}, data ${dir}`);
    expect(existsSync(join(dir, 'meta.json'))).toBe(true);
  });
});

describe('config file errors', () => {
  test.each([
    ['unknown key', 'data-dir: DIR\ndev: true\nkafka_addr: 127.0.0.1:1\n', 3, "unknown key 'kafka_addr'"],
    ['bad YAML', 'data-dir: DIR\nnode-id: [1,\nkafka-addr: 127.0.0.1:1\n', 2, 'not valid YAML'],
    ['bad value', 'data-dir: DIR\n\nnode-id: seven\n', 3, "node-id: expected a non-negative integer, got 'seven'"],
    ['bad property', 'data-dir: DIR\nset:\n  num.partitions: 1\n  log.retention.ms: soon\n', 4, 'set.log.retention.ms: Invalid value soon'],
    ['repeated key', 'data-dir: DIR\ndev: true\ndata-dir: DIR\n', 3, "key 'data-dir' repeats the one on line 1"],
  ])('%s: the error names the file and the line; exit 2, nothing created', async (_name, text, line, message) => {
    const dir = freshDir();
    const file = join(scratch, `config-${dirCounter}.yaml`);
    writeFileSync(file, text.replaceAll('DIR', dir));
    const result = expectExit(await freshet(['start', '--config', file]), 2);
    expect(result.stderr).toContain(`${file}:${line}: ${message}`);
    expect(existsSync(dir)).toBe(false);
  });

  test('a missing config file is a usage error naming it (exit 2)', async () => {
    const missing = join(scratch, 'no-such-config.yaml');
    const result = expectExit(await freshet(['start', '--config', missing]), 2);
    expect(result.stderr).toContain(`--config ${missing}: no such file`);
    const viaEnv = expectExit(await freshet(['start'], { FRESHET_CONFIG: missing }), 2);
    expect(viaEnv.stderr).toContain(`FRESHET_CONFIG ${missing}: no such file`);
  });
});

describe('listener errors come before the data directory', () => {
  let holder: Server | null = null;
  afterAll(() => holder?.close());

  test('a port in use names the address, the port and EADDRINUSE; the data directory is not created', async () => {
    holder = createServer();
    const port = await new Promise<number>((resolve) => holder!.listen(0, '127.0.0.1', () => resolve((holder!.address() as { port: number }).port)));
    const dir = freshDir();
    const result = await freshet(['start', '--data-dir', dir, '--kafka-addr', `127.0.0.1:${port}`]);
    expect(result.exitCode, describeRun(result)).not.toBe(0);
    expect(result.stderr).toContain(`127.0.0.1:${port}`);
    expect(result.stderr).toContain('EADDRINUSE');
    expect(existsSync(dir), 'the data directory was created before binding').toBe(false);
  });

  test.each([
    ['nosuchhost.invalid', /nosuchhost\.invalid:9092 \(--kafka-addr\): host 'nosuchhost\.invalid' does not resolve \((ENOTFOUND|EAI_AGAIN|EAI_FAIL)\)/],
    ['999.1.1.1', /'999\.1\.1\.1' is not a valid IPv4 address/],
  ])('a bad host (%s) is a clear error; the data directory is not created', async (host, message) => {
    const dir = freshDir();
    const result = await freshet(['start', '--data-dir', dir, '--kafka-addr', `${host}:9092`]);
    expect(result.exitCode, describeRun(result)).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('corrupt metadata files', () => {
  test.each([
    ['meta.json', '{"clusterId": ', 'meta.json', /It holds the cluster id of this node\. Restore it from a backup/],
    ['cluster/topics.json', '{"topics": [{"name": 7}]}', 'topics.json', /It holds the topic table .*Restore it from a backup/],
  ])('a corrupt %s is named, with what to do; exit 1', async (relative, contents, name, remedy) => {
    // A data directory the node made, then damaged.
    const broker = await startBroker();
    await broker.stop();
    const file = join(broker.dataDir, relative);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, contents);
    try {
      const result = await freshet(['start', '--data-dir', broker.dataDir, '--kafka-addr', `127.0.0.1:${await freePort()}`]);
      expect(result.exitCode, describeRun(result)).toBe(1);
      expect(result.stderr).toContain(`${file} is corrupt`);
      expect(result.stderr).toContain(name);
      expect(result.stderr).toMatch(remedy);
    } finally {
      await broker.dispose();
    }
  });
});

describe('--help at every level', () => {
  test.each([
    [['--help'], 'usage: freshet <command>'],
    [['-h'], 'usage: freshet <command>'],
    [['help'], 'usage: freshet <command>'],
    [['help', 'topic'], 'usage: freshet topic <command>'],
    [['start', '-h'], 'usage: freshet start'],
    [['topic', '--help'], 'usage: freshet topic <command>'],
    [['topic', 'create', '--help'], 'usage: freshet topic create NAME'],
    [['topic', 'list', '-h'], 'usage: freshet topic list'],
    [['topic', 'describe', '--help'], 'usage: freshet topic describe NAME'],
    [['topic', 'delete', '--help'], 'usage: freshet topic delete NAME'],
    [['group', '--help'], 'usage: freshet group <command>'],
    [['group', 'list', '--help'], 'usage: freshet group list'],
    [['group', 'describe', '--help'], 'usage: freshet group describe GROUP'],
    [['group', 'seek', '-h'], 'usage: freshet group seek GROUP --to WHERE'],
    [['group', 'delete', '--help'], 'usage: freshet group delete GROUP'],
    [['status', '--help'], 'usage: freshet status'],
    [['version', '--help'], 'usage: freshet version'],
  ])('freshet %p prints its usage and exits 0', async (args, usage) => {
    const result = expectExit(await freshet(args as string[]), 0);
    expect(result.stdout.startsWith(usage), describeRun(result)).toBe(true);
  });

  test('freshet start --help lists every flag, its variable, YAML key and default, and every broker property', async () => {
    const result = expectExit(await freshet(['start', '--help']), 0);
    const help = result.stdout;
    for (const [name, spec] of Object.entries(START_FLAGS)) {
      expect(help).toContain(`--${name}`);
      if (spec.defaultText !== undefined) expect(help).toContain(`(default ${spec.defaultText})`);
      if (name !== 'set') expect(help).toContain(envName(name));
    }
    for (const def of BROKER_PROPERTIES) expect(help).toContain(`${def.name}=${formatProperty(def, def.default)} `);
    expect(existsSync(join(scratch, 'data')), '--help started a node').toBe(false);
  });
});

describe('allocator setting', () => {
  // /proc is where the environment of a process is read: Linux only (CI is Linux).
  test.skipIf(process.platform !== 'linux')('freshet start re-executes itself (same pid) with mimalloc purge delay set, and leaves an operator-set value alone', async () => {
    const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const b = await startBroker();
    try {
      expect(environOf(b.proc.pid)).toContain(`${PURGE_DELAY_VAR}=${PURGE_DELAY_MS}`);
    } finally {
      await b.dispose();
    }
    const own = await startBroker({ env: { [PURGE_DELAY_VAR]: '250' } });
    try {
      expect(environOf(own.proc.pid)).toContain(`${PURGE_DELAY_VAR}=250`);
    } finally {
      await own.dispose();
    }
  });
});
