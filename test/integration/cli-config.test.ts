// `freshet config print|example` and `freshet start --config` with the file's Redpanda-style
// keys, on the compiled binary. The example file must start a node exactly as no file does:
// checked by `config print` (same values) and by the broker's own DescribeConfigs as kafkajs, a
// client we did not write, reads it (same values and sources, Kafka's KIP-226 layers).

import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { withAdmin } from '../helpers/kafkajs.ts';
import { freePort } from '../helpers/ports.ts';
import { describeRun, expectSuccess, kcat, KCAT_TOOL, run, type RunResult } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(60_000);

const scratch = mkdtempSync(join(tmpdir(), 'freshet-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** No FRESHET_* from the test's own environment: every source below is set on purpose (an
 *  undefined value removes a variable from the child's environment). */
const CLEAN_ENV = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('FRESHET_') && k !== 'FRESHET_BIN').map((k) => [k, undefined])) as unknown as Record<string, string>;

async function freshet(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return await run([FRESHET_BIN, ...args], { timeoutMs: 15_000, env: { ...CLEAN_ENV, ...env }, cwd: scratch });
}

function expectExit(result: RunResult, code: number): RunResult {
  expect(result.timedOut, describeRun(result)).toBe(false);
  expect(result.exitCode, describeRun(result)).toBe(code);
  return result;
}

type Printed = { config: string | null; settings: Array<{ key: string; flag: string | null; env: string | null; value: string | null; source: string }> };

async function printJson(args: readonly string[], env: Record<string, string> = {}): Promise<Printed> {
  return JSON.parse(expectExit(await freshet(['config', 'print', '--format', 'json', ...args], env), 0).stdout) as Printed;
}

function writeScratch(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

describe('freshet config example', () => {
  test('lists every file key with its default and a comment, and changes nothing when fed back', async () => {
    const example = expectExit(await freshet(['config', 'example']), 0).stdout;
    const file = writeScratch('example.yaml', example);
    const none = await printJson([]);
    const withFile = await printJson(['--config', file]);
    expect(withFile.config).toBe(file);
    // The same effective value for every setting, file or not.
    expect(withFile.settings.map((s) => [s.key, s.value])).toEqual(none.settings.map((s) => [s.key, s.value]));
    for (const s of none.settings) {
      // Every key appears in the file (written, or commented with its shape), with a comment above it naming its flag.
      expect(example).toMatch(new RegExp(`^#? ?${s.key}:`, 'm'));
      expect(example).toContain(`# flag ${s.flag}, variable ${s.env}; default: `);
    }
    // What the file writes out is taken from it, with its line.
    expect(withFile.settings.find((s) => s.key === 'kafka_api')?.source).toMatch(/example\.yaml:\d+: kafka_api$/);
    expect(example).toMatch(/^cluster:$/m);
    expect(example).toMatch(/^ {2}# log\.retention\.hours: 168 {4}# /m);
  });

  test('a node started from the example reports the same broker configs as one started without (kafkajs DescribeConfigs)', async () => {
    const file = writeScratch('example-start.yaml', expectExit(await freshet(['config', 'example']), 0).stdout);
    const describe = async (b: Broker) =>
      await withAdmin(b.bootstrap, async (admin) => {
        const r = await admin.describeConfigs({ resources: [{ type: 4, name: '0' }], includeSynonyms: false });
        // The listener and the data directory differ by the port and directory each test node is given.
        return r.resources[0].configEntries
          .filter((e) => !['listeners', 'advertised.listeners', 'log.dirs'].includes(e.configName))
          .map((e) => [e.configName, e.configValue, e.configSource])
          .sort();
      });
    // startBroker's flags (--data-dir, --kafka-addr, --dev, ...) win over the file: flag > file.
    const plain = await startBroker();
    const fromFile = await startBroker({ extraArgs: ['--config', file] });
    try {
      const [a, b] = [await describe(plain), await describe(fromFile)];
      expect(a.length).toBeGreaterThan(50);
      expect(b).toEqual(a);
    } finally {
      await plain.dispose();
      await fromFile.dispose();
    }
  });
});

describe('freshet config print', () => {
  test('each value names its source: --flag, FRESHET_X, file:line: key, default', async () => {
    const file = writeScratch('sources.yaml', 'data_directory: /srv/from-file\nnode_id: 4\nkafka_api: {address: 127.0.0.1, port: 1001}\ncluster:\n  num.partitions: 6\n');
    const p = await printJson(['--config', file, '--node-id', '7', '--set', 'log.retention.ms=1000'], { FRESHET_KAFKA_ADDR: '0.0.0.0:2002' });
    const by = new Map(p.settings.map((s) => [s.key, s]));
    expect(by.get('node_id')).toMatchObject({ value: '7', source: '--node-id' });
    expect(by.get('kafka_api')).toMatchObject({ value: '0.0.0.0:2002', source: 'FRESHET_KAFKA_ADDR' });
    // A wildcard listener is advertised as loopback (the node-config rule), by default.
    expect(by.get('advertised_kafka_api')).toMatchObject({ value: '127.0.0.1:2002', source: 'default' });
    expect(by.get('data_directory')).toMatchObject({ value: '/srv/from-file', source: `${file}:1: data_directory` });
    expect(by.get('developer_mode')).toMatchObject({ value: 'false', source: 'default' });
    expect(by.get('cluster.num.partitions')).toMatchObject({ value: '6', source: `${file}:5: cluster.num.partitions` });
    expect(by.get('cluster.log.retention.ms')).toMatchObject({ value: '1000', source: '--set' });
    const text = expectExit(await freshet(['config', 'print', '--config', file]), 0).stdout;
    expect(text).toMatch(/^node_id\s+4\s+\S+sources\.yaml:2: node_id$/m);
  });

  test('mistakes exit 2 naming the file and line, as freshet start does', async () => {
    const file = writeScratch('bad.yaml', 'data_directory: d\nkafka_api: {address: 127.0.0.1}\n');
    expect(expectExit(await freshet(['config', 'print', '--config', file]), 2).stderr).toContain(`${file}:2: kafka_api: port is missing`);
    expect(expectExit(await freshet(['start', '--config', file]), 2).stderr).toContain(`${file}:2: kafka_api: port is missing`);
    expect(expectExit(await freshet(['config', 'print', '--format', 'xml']), 2).stderr).toContain('--format must be text or json');
    expect(expectExit(await freshet(['config', 'print', '--no-such']), 2).stderr).toContain('--no-such');
    expect(expectExit(await freshet(['config', 'nope']), 2).stderr).toContain("unknown command 'nope'");
  });
});

describe('freshet start --config with Redpanda-style keys', () => {
  testRequiring(KCAT_TOOL, 'the node listens where kafka_api says and takes cluster: defaults', async () => {
    const port = await freePort();
    const file = writeScratch(
      'redpanda-style.yaml',
      [`data_directory: ${join(scratch, 'rp-data')}`, 'node_id: 0', 'kafka_api:', '  address: 127.0.0.1', `  port: ${port}`, 'schema_registry_api: none', 'proxy_api: none', 'admin_api: none', 'developer_mode: true', 'cluster:', '  num.partitions: 3', '  storage.min.free.bytes: 16777216', ''].join('\n'),
    );
    const proc = Bun.spawn([FRESHET_BIN, 'start', '--config', file], { env: { ...process.env, ...CLEAN_ENV }, cwd: scratch, stdout: 'ignore', stderr: 'pipe' });
    let log = '';
    const reading = (async () => {
      for await (const chunk of proc.stderr) log += new TextDecoder().decode(chunk);
    })();
    try {
      for (let i = 0; i < 400 && proc.exitCode === null && !log.includes(' ready: '); i++) await Bun.sleep(25);
      expect(log).toContain(`ready: kafka 127.0.0.1:${port}`);
      // developer_mode: auto-creation on; cluster: num.partitions 3 for the topic it creates.
      expectSuccess(await kcat(['-b', `127.0.0.1:${port}`, '-P', '-t', 'auto-created'], { stdin: 'x\n', timeoutMs: 15_000 }));
      const md = expectSuccess(await kcat(['-b', `127.0.0.1:${port}`, '-L', '-t', 'auto-created', '-J'], { timeoutMs: 15_000 }));
      expect((JSON.parse(md.stdout) as { topics: Array<{ partitions: unknown[] }> }).topics[0].partitions.length).toBe(3);
    } finally {
      proc.kill('SIGTERM');
      await proc.exited;
      await reading;
    }
    expect(proc.exitCode).toBe(0);
  });
});
