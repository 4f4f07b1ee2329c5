// `freshet group ...` end to end: groups made by real clients (a kafkajs consumer, a kcat
// balanced consumer with a static instance id) and a KIP-848 consumer group driven over raw TCP
// (no installed client speaks the new protocol), inspected and reset with the compiled binary.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Consumer } from 'kafkajs';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { describeRun, expectSuccess, kcat, KCAT, KCAT_TOOL, run, type RunResult } from '../helpers/process.ts';
import { Kip848Member } from '../helpers/kip848-member.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { ConsumerGroupDescribe } from '../../src/protocol/messages/index.ts';
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

/** A member of a KIP-848 consumer group over raw TCP: its own member id and epoch; it gives up
 *  what it is asked to revoke and takes what it is assigned at once, as a Kafka 4 consumer. */

/** Heartbeats until the group is Stable with every member at the assignment epoch. */
async function converge848(members: readonly Kip848Member[]): Promise<void> {
  const admin = await RawClient.connect(broker.port);
  try {
    const deadline = performance.now() + WAIT_MS;
    for (;;) {
      for (const m of members) await m.heartbeat();
      const g = (await admin.send(ConsumerGroupDescribe, 0, { groupIds: [members[0].groupId], includeAuthorizedOperations: false })).groups[0];
      if (g.groupState === 'Stable' && g.members.length === members.length && members.every((m) => m.epoch === g.assignmentEpoch)) return;
      if (performance.now() > deadline) throw new Error(`no convergence: ${JSON.stringify(g)}`);
      await Bun.sleep(50);
    }
  } finally {
    admin.close();
  }
}

type TopicsJson = Array<{ topic: string; partitions: number[] }>;
type ConsumerDescribeJson = {
  groupId: string;
  type: string;
  state: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignor: string;
  members: Array<{
    memberId: string;
    memberEpoch: number;
    groupInstanceId: string | null;
    clientId: string;
    host: string;
    subscribedTopicNames: string[];
    assignment: TopicsJson;
    targetAssignment: TopicsJson;
  }>;
  offsets: DescribeJson['offsets'];
};

async function describe848(group: string): Promise<ConsumerDescribeJson> {
  return JSON.parse(expectExit(await groupCmd('describe', group, '--format', 'json'), 0).stdout) as ConsumerDescribeJson;
}

const partitionsOf = (t: TopicsJson): number[] => t.flatMap((x) => x.partitions).sort((a, b) => a - b);

describe('freshet group', () => {
  testRequiring(KCAT_TOOL, 'list, describe, seek and delete a kafkajs consumer group', async () => {
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

  testRequiring(KCAT_TOOL, 'a kcat balanced consumer with a static instance id shows in describe; delete refuses a live group', async () => {
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

  testRequiring(KCAT_TOOL, 'a KIP-848 consumer group: describe (members, epochs, current and target assignments), seek and delete', async () => {
    const topic = uniqueTopic('cli-848');
    const group = uniqueTopic('cli-848g');
    expectExit(await run([FRESHET_BIN, 'topic', 'create', topic, '-p', '6', '--brokers', broker.bootstrap], { timeoutMs: CLI_TIMEOUT_MS }), 0);
    await produce(topic, 0, ['a', 'b', 'c']);
    await produce(topic, 1, ['d', 'e']);
    const members = await Promise.all([0, 1, 2].map(() => Kip848Member.connect(broker.port, group, [topic])));
    const [m1, m2, m3] = members;
    try {
      await converge848([m1, m2]);
      // Each member commits its partitions with its epoch: partition 0 at 1, partition 1 at 2, others 0.
      for (const m of [m1, m2]) await m.commit(topic, m.partitions().map((p) => [p, p === 0 ? 1 : p === 1 ? 2 : 0]));

      // A third member joins: it gets epoch 3 and a target, but owns nothing until the others
      // give partitions up; the table shows the target column while that lasts.
      await m3.heartbeat();
      const reconciling = await describe848(group);
      expect(reconciling).toMatchObject({ type: 'consumer', state: 'Reconciling', groupEpoch: 3, assignmentEpoch: 3, assignor: 'uniform' });
      const third = reconciling.members.find((m) => m.memberId === m3.memberId)!;
      expect(third.memberEpoch).toBe(3);
      expect(third.assignment).toEqual([]);
      expect(partitionsOf(third.targetAssignment)).toHaveLength(2);
      const reconcilingTable = expectExit(await groupCmd('describe', group), 0).stdout;
      expect(reconcilingTable).toMatch(/^MEMBER-ID\s+MEMBER-EPOCH\s+INSTANCE-ID\s+CLIENT-ID\s+HOST\s+ASSIGNMENT\s+TARGET-ASSIGNMENT$/m);
      expect(reconcilingTable).toMatch(new RegExp(`^${m3.memberId}\\s+3\\s+-\\s+raw-test\\s+\\S+\\s+-\\s+${topic}:\\d,\\d$`, 'm'));

      await converge848(members);
      const stable = await describe848(group);
      expect(stable).toMatchObject({ groupId: group, type: 'consumer', state: 'Stable', groupEpoch: 3, assignmentEpoch: 3, assignor: 'uniform' });
      expect(stable.members.map((m) => m.memberId).sort()).toEqual(members.map((m) => m.memberId).sort());
      for (const m of stable.members) {
        const member = members.find((x) => x.memberId === m.memberId)!;
        expect(m).toMatchObject({ memberEpoch: 3, groupInstanceId: null, clientId: 'raw-test', subscribedTopicNames: [topic] });
        expect(m.assignment).toEqual(m.targetAssignment);
        expect(m.assignment.map((t) => t.topic)).toEqual([topic]);
        expect(partitionsOf(m.assignment)).toEqual(member.partitions());
      }
      expect(stable.members.flatMap((m) => partitionsOf(m.assignment)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
      const ownerOf = (p: number) => stable.members.find((m) => partitionsOf(m.assignment).includes(p))!.memberId;
      expect(stable.offsets.map((o) => [o.partition, o.committedOffset, o.logEndOffset, o.lag, o.memberId])).toEqual([
        [0, 1, 3, 2, ownerOf(0)],
        [1, 2, 2, 0, ownerOf(1)],
        [2, 0, 0, 0, ownerOf(2)],
        [3, 0, 0, 0, ownerOf(3)],
        [4, 0, 0, 0, ownerOf(4)],
        [5, 0, 0, 0, ownerOf(5)],
      ]);

      const table = expectExit(await groupCmd('describe', group), 0).stdout;
      expect(table).toMatch(/^GROUP\s+STATE\s+TYPE\s+GROUP-EPOCH\s+ASSIGNMENT-EPOCH\s+ASSIGNOR\s+MEMBERS$/m);
      expect(table).toMatch(new RegExp(`^${group}\\s+Stable\\s+consumer\\s+3\\s+3\\s+uniform\\s+3$`, 'm'));
      expect(table).toMatch(/^MEMBER-ID\s+MEMBER-EPOCH\s+INSTANCE-ID\s+CLIENT-ID\s+HOST\s+ASSIGNMENT$/m);
      for (const m of members) expect(table).toMatch(new RegExp(`^${m.memberId}\\s+3\\s+-\\s+raw-test\\s+\\S+\\s+${topic}:${m.partitions().join(',')}$`, 'm'));
      expect(table).toMatch(new RegExp(`^${topic}\\s+0\\s+1\\s+3\\s+2\\s+${ownerOf(0)}\\s+-$`, 'm'));

      // Live members: no reset, no delete.
      const refused = expectExit(await groupCmd('seek', group, '--to', 'end'), 1);
      expect(refused.stderr).toContain('is Stable with 3 member(s)');
      expect(expectExit(await groupCmd('delete', group), 1).stderr).toContain('NON_EMPTY_GROUP');

      for (const m of members) await m.leave();
      const empty = await describe848(group);
      expect([empty.type, empty.state, empty.members]).toEqual(['consumer', 'Empty', []]);
      expect(empty.offsets.map((o) => o.memberId)).toEqual([null, null, null, null, null, null]);

      // Empty: the reset goes through (a standalone commit, epoch -1).
      expectExit(await groupCmd('seek', group, '--to', 'end'), 0);
      expect((await describe848(group)).offsets.map((o) => [o.partition, o.committedOffset, o.lag])).toEqual([
        [0, 3, 0],
        [1, 2, 0],
        [2, 0, 0],
        [3, 0, 0],
        [4, 0, 0],
        [5, 0, 0],
      ]);
      expect(expectExit(await groupCmd('delete', group), 0).stdout).toContain(`deleted group ${group}`);
      expect(expectExit(await groupCmd('describe', group), 1).stderr).toContain('GROUP_ID_NOT_FOUND');
    } finally {
      for (const m of members) m.client.close();
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
