// `freshet group seek GROUP --to start|end|TIMESTAMP [--topics a,b] [--dry-run]`: rewrites a
// group's committed offsets, as kafka-consumer-groups --reset-offsets --execute does.
//
// Kafka lets offsets be reset only while the group has no active members (state Empty, or Dead
// for a group that does not exist yet): a live member would overwrite them with its next commit,
// and the coordinator refuses standalone commits to a group with members anyway. We refuse
// first, with a message saying why. The group is described as `describe` does, so KIP-848
// consumer groups (ConsumerGroupDescribe) count their members too.
//
// TIMESTAMP is milliseconds since the epoch or an ISO-8601 date-time; each partition moves to
// the first offset whose timestamp is at or after it, or to the log end when there is none
// (Kafka's tool does the same).

import type { OffsetSpec } from '../client/data.ts';
import type { KafkaErr } from '../client/errors.ts';
import { describeKafkaErr } from '../client/errors.ts';
import { boolFlag, listFlag, positionals, UsageError } from './args.ts';
import { describeAnyGroup, groupNotFound } from './group-describe.ts';
import { errorJson, EXIT_FAILURE, EXIT_OK, kafkaFailure, printJson, printTable, subcommand } from './output.ts';

/** States in which Kafka allows offsets to be reset. */
const RESETTABLE_STATES: ReadonlySet<string> = new Set(['Empty', 'Dead']);

/** Parses --to: start/earliest, end/latest, epoch milliseconds or an ISO-8601 date-time. */
export function parseSeekTarget(s: string): OffsetSpec {
  if (s === 'start' || s === 'earliest' || s === 'beginning') return 'earliest';
  if (s === 'end' || s === 'latest') return 'latest';
  if (/^\d+$/.test(s)) return { timestamp: Number(s) };
  // Date.parse accepts much; insist on something that starts like an ISO date.
  const ms = /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--to must be start, end, epoch milliseconds or an ISO-8601 date-time, not '${s}'`);
  return { timestamp: ms };
}

interface SeekRow {
  topic: string;
  partition: number;
  previousOffset: number | null;
  newOffset: number;
  error: KafkaErr | null;
}

export const seekGroup = subcommand({
  args: 'GROUP --to WHERE [--topics a,b] [--dry-run]',
  summary:
    'reset committed offsets (the group must be Empty or Dead); WHERE is start, end, epoch\n' +
    'milliseconds or an ISO-8601 time; topics default to those the group has offsets for',
  flags: {
    to: { kind: 'string', value: 'WHERE', help: 'start, end, epoch milliseconds or an ISO-8601 date-time (required)' },
    topics: { kind: 'string', value: 'a,b', help: 'the topics to reset', defaultText: 'those the group has offsets for' },
    'dry-run': { kind: 'boolean', help: 'show the new offsets without committing them' },
  },
  parse(flags) {
    const [groupId] = positionals(flags, ['GROUP']);
    const to = flags.strings.get('to');
    if (to === undefined) throw new UsageError('--to is required (start, end or a timestamp)');
    return { groupId, spec: parseSeekTarget(to), topics: listFlag(flags, 'topics'), dryRun: boolFlag(flags, 'dry-run') };
  },
  async run(ctx, { groupId, spec, topics, dryRun }) {
    const what = `group '${groupId}'`;
    const described = await describeAnyGroup(ctx.client, groupId);
    if (!('type' in described)) return kafkaFailure(ctx.name, what, described);
    const { group } = described;
    if (!RESETTABLE_STATES.has(group.state)) {
      process.stderr.write(
        `${ctx.name}: ${what} is ${group.state} with ${group.members.length} member(s): offsets can only be reset while the group is Empty or Dead. Stop its consumers first.\n`,
      );
      return EXIT_FAILURE;
    }
    const committed = await ctx.client.offsetFetch(groupId, null);
    if (committed.error !== null) return kafkaFailure(ctx.name, what, committed.error);
    const previous = new Map(committed.offsets.filter((o) => o.offset >= 0).map((o) => [`${o.topic}/${o.partition}`, o.offset]));
    const names = topics ?? [...new Set(committed.offsets.map((o) => o.topic))].sort();
    if (names.length === 0) {
      if (group.state === 'Dead') return kafkaFailure(ctx.name, what, groupNotFound(groupId));
      process.stderr.write(`${ctx.name}: ${what} has no committed offsets: name the topics to seek with --topics\n`);
      return EXIT_FAILURE;
    }
    const md = await ctx.client.metadata(names);
    const partitions: Array<{ topic: string; partition: number }> = [];
    for (const name of names) {
      const t = md.topics.find((x) => x.name === name);
      const error = t === undefined ? { code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION', message: null } : t.error;
      if (error !== null) return kafkaFailure(ctx.name, `topic '${name}'`, error);
      for (const p of t!.partitions) partitions.push({ topic: name, partition: p.partition });
    }
    const targets = await ctx.client.listOffsets(partitions.map((p) => ({ ...p, spec })));
    const missing = targets.filter((t) => t.error === null && t.offset < 0);
    // No record at or after the timestamp: the log end, as Kafka's tool does.
    const ends = missing.length > 0 ? await ctx.client.listOffsets(missing.map((t) => ({ topic: t.topic, partition: t.partition, spec: 'latest' as const }))) : [];
    const endOf = new Map(ends.map((e) => [`${e.topic}/${e.partition}`, e]));
    const rows: SeekRow[] = targets
      .map((t) => {
        const k = `${t.topic}/${t.partition}`;
        const resolved = t.error === null && t.offset < 0 ? (endOf.get(k) ?? t) : t;
        return { topic: t.topic, partition: t.partition, previousOffset: previous.get(k) ?? null, newOffset: resolved.offset, error: resolved.error };
      })
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    const lookupFailed = rows.find((r) => r.error !== null);
    if (lookupFailed !== undefined) return kafkaFailure(ctx.name, `offsets of ${lookupFailed.topic}/${lookupFailed.partition}`, lookupFailed.error!);
    if (!dryRun) {
      const results = await ctx.client.offsetCommit(groupId, rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.newOffset })));
      for (const res of results) {
        const row = rows.find((r) => r.topic === res.topic && r.partition === res.partition);
        if (row !== undefined) row.error = res.error;
      }
    }
    print(ctx.options.format, rows, dryRun);
    const failed = rows.filter((r) => r.error !== null);
    for (const r of failed) process.stderr.write(`${ctx.name}: ${what}: commit of ${r.topic}/${r.partition} failed: ${describeKafkaErr(r.error!)}\n`);
    return failed.length > 0 ? EXIT_FAILURE : EXIT_OK;
  },
});

function print(format: 'table' | 'json', rows: readonly SeekRow[], dryRun: boolean): void {
  if (format === 'json') {
    printJson(rows.map((r) => ({ topic: r.topic, partition: r.partition, previousOffset: r.previousOffset, newOffset: r.newOffset, dryRun, error: errorJson(r.error) })));
    return;
  }
  printTable(
    ['TOPIC', 'PARTITION', 'PREVIOUS-OFFSET', 'NEW-OFFSET', 'ERROR'],
    rows.map((r) => [r.topic, r.partition, r.previousOffset, r.newOffset, r.error?.name ?? null]),
  );
  if (dryRun) process.stdout.write('(dry run: nothing committed)\n');
}
