// `freshet group describe GROUP`: members with their assignments, and per partition the
// committed offset, the log end offset and the lag, like kafka-consumer-groups --describe.
//
// A group is described as Kafka's Admin describeConsumerGroups does: ConsumerGroupDescribe
// first (KIP-848 groups: epochs, assignor, current and target assignments); GROUP_ID_NOT_FOUND
// (a classic group, or none) or UNSUPPORTED_VERSION (a broker before KIP-848) falls back to
// the classic DescribeGroups, whose members' assignments are decoded from the consumer protocol.

import type { KafkaClient } from '../client/client.ts';
import type { KafkaErr } from '../client/errors.ts';
import type { AssignedTopic, DescribedConsumerGroup, DescribedGroup } from '../client/groups.ts';
import { ErrorCode, errorName } from '../protocol/errors.ts';
import { positionals } from './args.ts';
import { errorJson, EXIT_OK, kafkaFailure, printJson, printTable, subcommand } from './output.ts';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** null: the group has no committed offset for it. */
  committedOffset: number | null;
  /** null: the log end offset could not be read. */
  logEndOffset: number | null;
  lag: number | null;
  /** The member the partition is assigned to, if any. */
  memberId: string | null;
  error: ReturnType<typeof errorJson>;
}

/** A classic group (DescribeGroups) or a KIP-848 consumer group (ConsumerGroupDescribe). */
export type AnyGroup = { type: 'classic'; group: DescribedGroup } | { type: 'consumer'; group: DescribedConsumerGroup };

export interface GroupView {
  described: AnyGroup;
  offsets: PartitionLag[];
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Kafka answers DescribeGroups for an unknown classic group with state Dead and no error. */
export function groupNotFound(groupId: string): KafkaErr {
  return { code: ErrorCode.GROUP_ID_NOT_FOUND, name: errorName(ErrorCode.GROUP_ID_NOT_FOUND), message: `group '${groupId}' does not exist` };
}

/** ConsumerGroupDescribe, falling back to DescribeGroups as Kafka's admin client does. */
export async function describeAnyGroup(client: KafkaClient, groupId: string): Promise<AnyGroup | KafkaErr> {
  const [consumer] = await client.consumerGroupDescribe([groupId]);
  if (consumer.error === null) return { type: 'consumer', group: consumer };
  if (consumer.error.code !== ErrorCode.GROUP_ID_NOT_FOUND && consumer.error.code !== ErrorCode.UNSUPPORTED_VERSION) return consumer.error;
  const [classic] = await client.describeGroups([groupId]);
  return classic.error ?? { type: 'classic', group: classic };
}

/** Each member's current assignment, topics by name. */
function assignedTopics(d: AnyGroup): Array<{ memberId: string; topics: ReadonlyArray<{ topic: string; partitions: readonly number[] }> }> {
  if (d.type === 'consumer') return d.group.members.map((m) => ({ memberId: m.memberId, topics: m.assignment }));
  return d.group.members.map((m) => ({ memberId: m.memberId, topics: m.assignment?.assignedPartitions ?? [] }));
}

/** Everything `describe` shows; a Kafka error for the group as a whole comes back as a value. */
export async function loadGroupView(client: KafkaClient, groupId: string): Promise<GroupView | KafkaErr> {
  const [described, committed] = await Promise.all([describeAnyGroup(client, groupId), client.offsetFetch(groupId, null)]);
  if (!('type' in described)) return described;
  if (committed.error !== null) return committed.error;
  const { group } = described;
  if (group.state === 'Dead' && group.members.length === 0 && committed.offsets.length === 0) return groupNotFound(groupId);
  const owner = new Map<string, string>();
  for (const m of assignedTopics(described)) {
    for (const tp of m.topics) for (const p of tp.partitions) owner.set(key(tp.topic, p), m.memberId);
  }
  const rows = new Map<string, PartitionLag>();
  const row = (topic: string, partition: number): PartitionLag => {
    const k = key(topic, partition);
    let r = rows.get(k);
    if (r === undefined) {
      r = { topic, partition, committedOffset: null, logEndOffset: null, lag: null, memberId: owner.get(k) ?? null, error: null };
      rows.set(k, r);
    }
    return r;
  };
  for (const o of committed.offsets) {
    const r = row(o.topic, o.partition);
    if (o.error !== null) r.error = errorJson(o.error);
    else if (o.offset >= 0) r.committedOffset = o.offset;
  }
  for (const k of owner.keys()) {
    const [topic, p] = k.split('\u0000');
    row(topic, Number(p));
  }
  const list = [...rows.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  if (list.length > 0) {
    const ends = await client.listOffsets(list.map((r) => ({ topic: r.topic, partition: r.partition, spec: 'latest' as const })));
    for (const e of ends) {
      const r = rows.get(key(e.topic, e.partition));
      if (r === undefined) continue;
      if (e.error !== null) r.error ??= errorJson(e.error);
      else r.logEndOffset = e.offset;
    }
    for (const r of list) {
      if (r.committedOffset !== null && r.logEndOffset !== null) r.lag = Math.max(0, r.logEndOffset - r.committedOffset);
    }
  }
  return { described, offsets: list };
}

/** "t:0,1 u:2", topics and partitions sorted; null for none. */
function topicsText(parts: ReadonlyArray<{ topic: string; partitions: readonly number[] }>): string | null {
  const nonEmpty = parts.filter((tp) => tp.partitions.length > 0);
  if (nonEmpty.length === 0) return null;
  return nonEmpty
    .map((tp) => `${tp.topic}:${tp.partitions.slice().sort((a, b) => a - b).join(',')}`)
    .sort()
    .join(' ');
}

function assignmentText(m: DescribedGroup['members'][number]): string | null {
  if (m.assignment === null && m.memberAssignment.length > 0) return '(not consumer protocol)';
  return topicsText(m.assignment?.assignedPartitions ?? []);
}

const topicsJson = (parts: readonly AssignedTopic[]) => parts.map((tp) => ({ topic: tp.topic, partitions: tp.partitions }));

function printClassic(groupId: string, group: DescribedGroup, offsets: readonly PartitionLag[], format: 'table' | 'json'): void {
  if (format === 'json') {
    printJson({
      groupId,
      type: 'classic',
      state: group.state,
      protocolType: group.protocolType,
      protocol: group.protocol,
      members: group.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        host: m.clientHost,
        assignment: (m.assignment?.assignedPartitions ?? []).map((tp) => ({ topic: tp.topic, partitions: tp.partitions })),
      })),
      offsets,
    });
    return;
  }
  printTable(['GROUP', 'STATE', 'PROTOCOL-TYPE', 'PROTOCOL', 'MEMBERS'], [[groupId, group.state, group.protocolType || null, group.protocol || null, group.members.length]]);
  if (group.members.length > 0) {
    process.stdout.write('\n');
    printTable(
      ['MEMBER-ID', 'INSTANCE-ID', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'],
      group.members.map((m) => [m.memberId, m.groupInstanceId, m.clientId, m.clientHost, assignmentText(m)]),
    );
  }
  printOffsets(offsets);
}

function printConsumer(groupId: string, group: DescribedConsumerGroup, offsets: readonly PartitionLag[], format: 'table' | 'json'): void {
  if (format === 'json') {
    printJson({
      groupId,
      type: 'consumer',
      state: group.state,
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch,
      assignor: group.assignor,
      members: group.members.map((m) => ({
        memberId: m.memberId,
        memberEpoch: m.memberEpoch,
        groupInstanceId: m.instanceId,
        rackId: m.rackId,
        clientId: m.clientId,
        host: m.clientHost,
        subscribedTopicNames: m.subscribedTopicNames,
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: topicsJson(m.assignment),
        targetAssignment: topicsJson(m.targetAssignment),
      })),
      offsets,
    });
    return;
  }
  printTable(
    ['GROUP', 'STATE', 'TYPE', 'GROUP-EPOCH', 'ASSIGNMENT-EPOCH', 'ASSIGNOR', 'MEMBERS'],
    [[groupId, group.state, 'consumer', group.groupEpoch, group.assignmentEpoch, group.assignor || null, group.members.length]],
  );
  if (group.members.length > 0) {
    process.stdout.write('\n');
    // The target column only while some member has not reached its target (reconciling).
    const reconciling = group.members.some((m) => topicsText(m.assignment) !== topicsText(m.targetAssignment));
    const headers = ['MEMBER-ID', 'MEMBER-EPOCH', 'INSTANCE-ID', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'];
    printTable(
      reconciling ? [...headers, 'TARGET-ASSIGNMENT'] : headers,
      group.members.map((m) => {
        const row = [m.memberId, m.memberEpoch, m.instanceId, m.clientId, m.clientHost, topicsText(m.assignment)];
        return reconciling ? [...row, topicsText(m.targetAssignment)] : row;
      }),
    );
  }
  printOffsets(offsets);
}

function printOffsets(offsets: readonly PartitionLag[]): void {
  if (offsets.length === 0) return;
  process.stdout.write('\n');
  printTable(
    ['TOPIC', 'PARTITION', 'COMMITTED-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER-ID', 'ERROR'],
    offsets.map((o) => [o.topic, o.partition, o.committedOffset, o.logEndOffset, o.lag, o.memberId, o.error?.name ?? null]),
  );
}

export const describeGroup = subcommand({
  args: 'GROUP',
  summary:
    'members (id, instance id, client id, host, assigned partitions) and per partition the\n' +
    'committed offset, log end offset and lag; KIP-848 consumer groups also show the group and\n' +
    'assignment epochs, the assignor, member epochs and target assignments',
  flags: {},
  parse: (flags) => positionals(flags, ['GROUP'])[0],
  async run(ctx, groupId) {
    const view = await loadGroupView(ctx.client, groupId);
    if (!('described' in view)) return kafkaFailure(ctx.name, `group '${groupId}'`, view);
    const { described, offsets } = view;
    if (described.type === 'consumer') printConsumer(groupId, described.group, offsets, ctx.options.format);
    else printClassic(groupId, described.group, offsets, ctx.options.format);
    return EXIT_OK;
  },
});
