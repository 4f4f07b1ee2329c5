// `freshet group describe GROUP`: members with their assignments, and per partition the
// committed offset, the log end offset and the lag, like kafka-consumer-groups --describe.

import type { KafkaClient } from '../client/client.ts';
import type { KafkaErr } from '../client/errors.ts';
import type { DescribedGroup } from '../client/groups.ts';
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

export interface GroupView {
  group: DescribedGroup;
  offsets: PartitionLag[];
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Kafka answers DescribeGroups for an unknown classic group with state Dead and no error. */
export function groupNotFound(groupId: string): KafkaErr {
  return { code: ErrorCode.GROUP_ID_NOT_FOUND, name: errorName(ErrorCode.GROUP_ID_NOT_FOUND), message: `group '${groupId}' does not exist` };
}

/** Everything `describe` shows; a Kafka error for the group as a whole comes back as a value. */
export async function loadGroupView(client: KafkaClient, groupId: string): Promise<GroupView | KafkaErr> {
  const [[group], committed] = await Promise.all([client.describeGroups([groupId]), client.offsetFetch(groupId, null)]);
  if (group.error !== null) return group.error;
  if (committed.error !== null) return committed.error;
  if (group.state === 'Dead' && group.members.length === 0 && committed.offsets.length === 0) return groupNotFound(groupId);
  const owner = new Map<string, string>();
  for (const m of group.members) {
    for (const tp of m.assignment?.assignedPartitions ?? []) for (const p of tp.partitions) owner.set(key(tp.topic, p), m.memberId);
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
  return { group, offsets: list };
}

function assignmentText(m: DescribedGroup['members'][number]): string {
  const parts = m.assignment?.assignedPartitions ?? [];
  if (parts.length === 0) return m.memberAssignment.length > 0 && m.assignment === null ? '(not consumer protocol)' : '-';
  return parts.map((tp) => `${tp.topic}:${tp.partitions.slice().sort((a, b) => a - b).join(',')}`).join(' ');
}

export const describeGroup = subcommand({
  flags: {},
  parse: (flags) => positionals(flags, ['GROUP'])[0],
  async run(ctx, groupId) {
    const view = await loadGroupView(ctx.client, groupId);
    if (!('group' in view)) return kafkaFailure(ctx.name, `group '${groupId}'`, view);
    const { group, offsets } = view;
    if (ctx.options.format === 'json') {
      printJson({
        groupId,
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
      return EXIT_OK;
    }
    printTable(['GROUP', 'STATE', 'PROTOCOL-TYPE', 'PROTOCOL', 'MEMBERS'], [[groupId, group.state, group.protocolType || null, group.protocol || null, group.members.length]]);
    if (group.members.length > 0) {
      process.stdout.write('\n');
      printTable(
        ['MEMBER-ID', 'INSTANCE-ID', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'],
        group.members.map((m) => [m.memberId, m.groupInstanceId, m.clientId, m.clientHost, assignmentText(m)]),
      );
    }
    if (offsets.length > 0) {
      process.stdout.write('\n');
      printTable(
        ['TOPIC', 'PARTITION', 'COMMITTED-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER-ID', 'ERROR'],
        offsets.map((o) => [o.topic, o.partition, o.committedOffset, o.logEndOffset, o.lag, o.memberId, o.error?.name ?? null]),
      );
    }
    return EXIT_OK;
  },
});
