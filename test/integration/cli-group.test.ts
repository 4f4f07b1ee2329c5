// `freshet group ...` end to end: groups made by real clients (a kafkajs consumer, a kcat
// balanced consumer with a static instance id), inspected and reset with the compiled binary.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Consumer } from 'kafkajs';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { describeRun, expectSuccess, KCAT, kcat, run, type RunResult } from '../helpers/process.ts';

setDefaultTimeout(60_000);

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

const CLI_TIMEOUT_MS = 20_000;
const WAIT_MS = 20_000;

function groupCmd(...args: string[]): Promise<RunResult> {
  return run([FRESHET_BIN, 'group', ...args, '--brokers', broker.bootstrap], { timeoutMs: CLI_TIMEOUT_MS });
}

function expectExit(result: RunResult, code: number): RunResult {
  expect(result.timedOut, describeRun(result)).toBe(false);
  expect(result.exitCode, describeRun(result)).toBe(code);
  return result;
}

type DescribeJson = {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; host: string; assignment: Array<{ topic: string; partitions: number[] }> }>;
  offsets: Array<{ topic: string; partition: number; committedOffset: number | null; logEndOffset: number | null; lag: number | null; memberId: string | null }>;
};

async function describeJson(group: string): Promise<DescribeJson> {
  return JSON.parse(expectExit(await groupCmd('describe', group, '--format', 'json'), 0).stdout) as DescribeJson;
}

/** Polls `describe` until `ok` holds (rebalances and commits take a moment). */
async function waitForDescribe(group: string, ok: (d: DescribeJson) => boolean): Promise<DescribeJson> {
  const deadline = performance.now() + WAIT_MS;
  let last: DescribeJson | null = null;
  while (performance.now() < deadline) {
    const r = await groupCmd('describe', group, '--format', 'json');
    if (r.exitCode === 0) {
      last = JSON.parse(r.stdout) as DescribeJson;
      if (ok(last)) return last;
    }
    await Bun.sleep(200);
  }
  throw new Error(`group ${group} never reached the expected state; last: ${JSON.stringify(last)}`);
}

async function produce(topic: string, partition: number, values: string[]): Promise<void> {
  expectSuccess(await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', String(partition)], { stdin: `${values.join('\n')}\n`, timeoutMs: CLI_TIMEOUT_MS }));
}

async function startConsumer(group: string, topic: string, seen: string[]): Promise<Consumer> {
  const consumer = kafkaFor(broker.bootstrap, 'cli-group-test').consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ autoCommitThreshold: 1, eachMessage: async ({ message }) => void seen.push(String(message.value)) });
  return consumer;
}

describe('freshet group', () => {
  test('list, describe, seek and delete a kafkajs consumer group', async () => {
    const topic = uniqueTopic('cli-group');
    const group = uniqueTopic('cli-g');
    expectExit(await run([FRESHET_BIN, 'topic', 'create', topic, '-p', '2', '--brokers', broker.bootstrap], { timeoutMs: CLI_TIMEOUT_MS }), 0);
    await produce(topic, 0, ['a', 'b', 'c']);
    await produce(topic, 1, ['d', 'e']);

    const seen: string[] = [];
    const consumer = await startConsumer(group, topic, seen);
    let stable: DescribeJson;
    try {
      stable = await waitForDescribe(group, (d) => d.state === 'Stable' && d.offsets.length === 2 && d.offsets.every((o) => o.lag === 0));
      expect(stable.protocolType).toBe('consumer');
      expect(stable.members).toHaveLength(1);
      expect(stable.members[0].clientId).toBe('cli-group-test');
      expect(stable.members[0].assignment).toEqual([{ topic, partitions: [0, 1] }]);
      expect(stable.offsets.map((o) => [o.partition, o.committedOffset, o.logEndOffset, o.lag, o.memberId])).toEqual([
        [0, 3, 3, 0, stable.members[0].memberId],
        [1, 2, 2, 0, stable.members[0].memberId],
      ]);
      const table = expectExit(await groupCmd('describe', group), 0).stdout;
      expect(table).toMatch(/^MEMBER-ID\s+INSTANCE-ID\s+CLIENT-ID\s+HOST\s+ASSIGNMENT$/m);
      expect(table).toContain(`${topic}:0,1`);
      expect(table).toMatch(new RegExp(`^${topic}\\s+0\\s+3\\s+3\\s+0\\s`, 'm'));

      const listed = expectExit(await groupCmd('list'), 0).stdout;
      expect(listed).toMatch(new RegExp(`^${group}\\s+Stable\\s+consumer$`, 'm'));

      // A live group refuses a reset, as Kafka does.
      const refused = expectExit(await groupCmd('seek', group, '--to', 'start'), 1);
      expect(refused.stderr).toContain('Stable');
      expect(refused.stderr).toMatch(/Empty or Dead/);
    } finally {
      await consumer.disconnect();
    }
    expect(seen.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    await waitForDescribe(group, (d) => d.state === 'Empty');

    // Back to the start: lag is everything.
    const toStart = JSON.parse(expectExit(await groupCmd('seek', group, '--to', 'start', '--format', 'json'), 0).stdout) as Array<{ partition: number; previousOffset: number; newOffset: number }>;
    expect(toStart.map((r) => [r.partition, r.previousOffset, r.newOffset])).toEqual([
      [0, 3, 0],
      [1, 2, 0],
    ]);
    expect((await describeJson(group)).offsets.map((o) => [o.partition, o.committedOffset, o.lag])).toEqual([
      [0, 0, 3],
      [1, 0, 2],
    ]);

    // A dry run commits nothing.
    const dry = expectExit(await groupCmd('seek', group, '--to', 'end', '--dry-run'), 0);
    expect(dry.stdout).toContain('dry run');
    expect((await describeJson(group)).offsets.map((o) => o.committedOffset)).toEqual([0, 0]);

    // To the end, only one topic named; then by timestamp (the future: the log end; 0: start).
    expectExit(await groupCmd('seek', group, '--to', 'end', '--topics', topic), 0);
    expect((await describeJson(group)).offsets.map((o) => [o.committedOffset, o.lag])).toEqual([
      [3, 0],
      [2, 0],
    ]);
    expectExit(await groupCmd('seek', group, '--to', '0'), 0);
    expect((await describeJson(group)).offsets.map((o) => o.committedOffset)).toEqual([0, 0]);
    expectExit(await groupCmd('seek', group, '--to', String(Date.now() + 3_600_000)), 0);
    expect((await describeJson(group)).offsets.map((o) => o.committedOffset)).toEqual([3, 2]);

    // A replacement consumer resumes from the reset offsets: nothing left to read.
    expectExit(await groupCmd('seek', group, '--to', 'start', '--topics', topic), 0);
    const again: string[] = [];
    const second = await startConsumer(group, topic, again);
    try {
      await waitForDescribe(group, (d) => d.offsets.every((o) => o.lag === 0) && d.state === 'Stable');
    } finally {
      await second.disconnect();
    }
    expect(again.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    await waitForDescribe(group, (d) => d.state === 'Empty');

    const deleted = expectExit(await groupCmd('delete', group), 0);
    expect(deleted.stdout).toContain(`deleted group ${group}`);
    const gone = expectExit(await groupCmd('describe', group), 1);
    expect(gone.stderr).toContain('GROUP_ID_NOT_FOUND');
    expect(expectExit(await groupCmd('list'), 0).stdout).not.toContain(group);
  });

  test('a kcat balanced consumer with a static instance id shows in describe; delete refuses a live group', async () => {
    const topic = uniqueTopic('cli-kcat');
    const group = uniqueTopic('cli-kg');
    expectExit(await run([FRESHET_BIN, 'topic', 'create', topic, '-p', '3', '--brokers', broker.bootstrap], { timeoutMs: CLI_TIMEOUT_MS }), 0);
    await produce(topic, 2, ['x']);
    const proc = Bun.spawn([KCAT, '-b', broker.bootstrap, '-G', group, '-X', 'group.instance.id=static-1', '-X', 'client.id=kcat-cli', '-q', topic], {
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    try {
      const d = await waitForDescribe(group, (x) => x.state === 'Stable' && x.members.length === 1 && x.members[0].assignment.length > 0);
      expect(d.members[0]).toMatchObject({ groupInstanceId: 'static-1', clientId: 'kcat-cli' });
      expect(d.members[0].assignment).toEqual([{ topic, partitions: [0, 1, 2] }]);
      const refused = expectExit(await groupCmd('delete', group), 1);
      expect(refused.stderr).toContain('NON_EMPTY_GROUP');
    } finally {
      proc.kill('SIGKILL');
      await proc.exited;
    }
  });

  test('unknown groups and usage errors', async () => {
    const missing = uniqueTopic('cli-nogroup');
    expect(expectExit(await groupCmd('describe', missing), 1).stderr).toContain('GROUP_ID_NOT_FOUND');
    expect(expectExit(await groupCmd('seek', missing, '--to', 'start'), 1).stderr).toContain('GROUP_ID_NOT_FOUND');
    expect(expectExit(await groupCmd('delete', missing), 1).stderr).toContain('GROUP_ID_NOT_FOUND');
    for (const args of [['seek', 'g'], ['seek', 'g', '--to', 'yesterday'], ['describe'], ['delete'], ['nonsense']]) {
      expect(expectExit(await groupCmd(...args), 2).stderr).toMatch(/usage: freshet group/);
    }
  });
});
