// `freshet topic ...` end to end: the compiled binary as the broker and as the CLI, checked
// against kcat (a client we did not write) for the data it describes.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { freePort } from '../helpers/ports.ts';
import { describeRun, expectSuccess, kcat, KCAT_TOOL, run, type RunResult } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(60_000);

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

const CLI_TIMEOUT_MS = 20_000;

function freshet(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run([FRESHET_BIN, ...args], { timeoutMs: CLI_TIMEOUT_MS, env });
}

function topicCmd(...args: string[]): Promise<RunResult> {
  return freshet(['topic', ...args, '--brokers', broker.bootstrap]);
}

function expectExit(result: RunResult, code: number): RunResult {
  expect(result.timedOut, describeRun(result)).toBe(false);
  expect(result.exitCode, describeRun(result)).toBe(code);
  return result;
}

type DescribeJson = {
  name: string;
  topicId: string;
  partitions: Array<{ partition: number; leader: number; logStartOffset: number; highWatermark: number }>;
  configs: Array<{ name: string; value: string | null; source: string }>;
};

describe('freshet topic', () => {
  testRequiring(KCAT_TOOL, 'create, list, describe and delete a topic', async () => {
    const topic = uniqueTopic('cli-topic');
    const created = expectExit(await topicCmd('create', topic, '-p', '3', '-c', 'retention.ms=60000', '-c', 'cleanup.policy=delete'), 0);
    expect(created.stdout).toContain(`created topic ${topic}`);
    expect(created.stdout).toContain('3 partitions');

    const table = expectExit(await topicCmd('list'), 0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+PARTITIONS\s+REPLICAS/);
    expect(table.stdout).toMatch(new RegExp(`^${topic}\\s+3\\s+1\\s`, 'm'));
    const listed = JSON.parse(expectExit(await topicCmd('list', '--format', 'json'), 0).stdout) as Array<{ name: string; partitions: number }>;
    expect(listed.find((t) => t.name === topic)?.partitions).toBe(3);

    // Three records into partition 1 with a client we did not write.
    expectSuccess(await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '1'], { stdin: 'a\nb\nc\n', timeoutMs: CLI_TIMEOUT_MS }));
    const described = JSON.parse(expectExit(await topicCmd('describe', topic, '--format', 'json'), 0).stdout) as DescribeJson;
    expect(described.name).toBe(topic);
    expect(described.partitions.map((p) => [p.partition, p.logStartOffset, p.highWatermark])).toEqual([
      [0, 0, 0],
      [1, 0, 3],
      [2, 0, 0],
    ]);
    expect(described.configs.find((c) => c.name === 'retention.ms')).toMatchObject({ value: '60000', source: 'DYNAMIC_TOPIC_CONFIG' });
    const describedTable = expectExit(await topicCmd('describe', topic), 0).stdout;
    expect(describedTable).toMatch(/^PARTITION\s+LEADER\s+EPOCH/m);
    expect(describedTable).toMatch(/^retention\.ms\s+60000\s+DYNAMIC_TOPIC_CONFIG$/m);

    const deleted = expectExit(await topicCmd('delete', topic), 0);
    expect(deleted.stdout).toContain(`deleted topic ${topic}`);
    const gone = expectExit(await topicCmd('describe', topic), 1);
    expect(gone.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');
    expect(expectExit(await topicCmd('list'), 0).stdout).not.toContain(topic);
  });

  test('Kafka errors exit 1 with the error name and message', async () => {
    const topic = uniqueTopic('cli-dup');
    expectExit(await topicCmd('create', topic), 0);
    const again = expectExit(await topicCmd('create', topic), 1);
    expect(again.stderr).toContain('TOPIC_ALREADY_EXISTS');
    expect(again.stderr).toContain(topic);
    const badConfig = expectExit(await topicCmd('create', uniqueTopic('cli-badcfg'), '-c', 'cleanup.policy=sideways'), 1);
    expect(badConfig.stderr).toContain('INVALID_CONFIG');
    const missing = expectExit(await topicCmd('delete', uniqueTopic('cli-missing')), 1);
    expect(missing.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');
  });

  test('FRESHET_BROKERS is the default bootstrap', async () => {
    const topic = uniqueTopic('cli-env');
    expectExit(await freshet(['topic', 'create', topic, '-p', '2'], { FRESHET_BROKERS: broker.bootstrap }), 0);
    expect(expectExit(await freshet(['topic', 'list'], { FRESHET_BROKERS: broker.bootstrap }), 0).stdout).toContain(topic);
  });

  test('usage errors exit 2 before connecting (no broker needed)', async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;
    for (const args of [
      ['topic', 'create'],
      ['topic', 'create', 'x', '-p', 'many'],
      ['topic', 'create', 'x', '-c', 'novalue'],
      ['topic', 'list', '--format', 'xml'],
      ['topic', 'list', 'extra'],
      ['topic', 'describe'],
      ['topic', 'frobnicate'],
      ['topic', 'list', '--no-such-flag'],
      ['topic', 'list', '--brokers', 'not-an-address'],
      ['topic'],
    ]) {
      const result = expectExit(await freshet([...args, ...(args.includes('--brokers') ? [] : ['--brokers', nowhere])]), 2);
      expect(result.stderr, describeRun(result)).toMatch(/usage: freshet topic/);
    }
    const help = expectExit(await freshet(['topic', 'help']), 0);
    expect(help.stdout).toContain('describe NAME');
  });

  test('an unreachable broker exits 1 with a connection message', async () => {
    const result = expectExit(await freshet(['topic', 'list', '--brokers', `127.0.0.1:${await freePort()}`]), 1);
    expect(result.stderr).toMatch(/no broker reachable|could not connect/);
  });
});
