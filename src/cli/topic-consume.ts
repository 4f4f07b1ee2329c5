// `freshet topic consume TOPIC [-n N] [-o start|end|OFFSET|-N|@TIMESTAMP] [-g GROUP] [-f] [-p N]
// [-F FORMAT]`: prints records, one per format string (record-format.ts) or one JSON object per
// line with --format json.
//
// When it stops: after N records with -n (waiting for them as long as it takes); otherwise,
// without -f, once every partition read has reached the end it had when the command started
// (kcat -e); -f follows the log until SIGINT/SIGTERM. A stop signal ends the loop cleanly: with
// -g the member commits what it printed and leaves its group, so the next member resumes there.
// Without -g the partitions are assigned by hand (nothing is committed); with -g the command is
// a group member (src/client/group-member.ts) that commits after every batch it printed, and -o
// start|end only says where to begin when the group has no committed offset
// (auto.offset.reset). With -n, stderr shows how many have come while it waits, on a terminal
// only (progress.ts).

import type { KafkaClient } from '../client/client.ts';
import { GroupMember, type MemberErr, type TopicPartition } from '../client/group-member.ts';
import { intFlag, positionals, UsageError } from './args.ts';
import { EXIT_FAILURE, EXIT_OK, kafkaFailure, subcommand } from './output.ts';
import { concatBytes } from '../base/bytes.ts';
import { SYSTEM_IO } from './node-deps.ts';
import { Progress } from './progress.ts';
import { DEFAULT_FORMAT, formatRecord, parseFormat, recordJson } from './record-format.ts';

/** Bytes per poll: the consumer's fetch.max.bytes is 50 MiB; a line tool prints as it goes, so it asks for less. */
export const CONSUME_POLL_BYTES = 1024 * 1024;
/** How long a poll waits for data (Kafka's fetch.max.wait.ms default is 500). */
export const CONSUME_POLL_WAIT_MS = 500;

const ENCODER = new TextEncoder();

type Start = 'start' | 'end' | { offset: number } | { fromEnd: number } | { timestamp: number };

interface ConsumeArgs {
  topic: string;
  count: number | null;
  start: Start;
  group: string | null;
  follow: boolean;
  partition: number | null;
  tokens: ReturnType<typeof parseFormat>;
}

function parseStart(s: string | undefined): Start {
  if (s === undefined || s === 'start' || s === 'beginning') return 'start';
  if (s === 'end') return 'end';
  if (/^\d+$/.test(s)) return { offset: Number(s) };
  // kcat's -o -N: N records before the end of each partition (at most back to its start).
  if (/^-\d+$/.test(s)) return { fromEnd: Number(s.slice(1)) };
  if (/^@\d+$/.test(s)) return { timestamp: Number(s.slice(1)) };
  throw new UsageError(`-o takes start, end, an OFFSET, -N (N before the end) or @TIMESTAMP (ms), not '${s}'`);
}

export const consume = subcommand<ConsumeArgs>({
  args: 'TOPIC [-n N] [-o start|end|OFFSET|-N|@TIMESTAMP] [-g GROUP] [-f] [-p N] [-F FORMAT]',
  summary: 'print records: until the end of the log, N of them (-n), or following it (-f)',
  flags: {
    count: { kind: 'string', short: 'n', value: 'N', help: 'stop after N records, waiting for them if need be' },
    offset: {
      kind: 'string',
      short: 'o',
      value: 'start|end|OFFSET|-N|@TIMESTAMP',
      help: 'where to begin in each partition: the first record, the next one written, an offset, N records before the end (as kcat -o -N), or the first record at or after a time in ms (with -g: only start or end, for a group without a committed offset)',
      defaultText: 'start',
    },
    group: { kind: 'string', short: 'g', value: 'GROUP', help: 'consume as a member of this consumer group, committing what was printed' },
    follow: { kind: 'boolean', short: 'f', help: 'keep waiting for new records (stop with Ctrl-C)' },
    partition: { kind: 'string', short: 'p', value: 'N', help: 'read only this partition (not with -g)' },
    'print-format': {
      kind: 'string',
      short: 'F',
      value: 'FORMAT',
      help: "how to print each record (kcat's tokens): %t topic, %p partition, %o offset, %T timestamp ms, %k key, %v or %s value, %h headers (k=v,...), %K/%S key/value length, %% percent; \\n \\t escapes",
      defaultText: "'%v\\n'",
    },
  },
  parse(flags) {
    const [topic] = positionals(flags, ['TOPIC']);
    const group = flags.strings.get('group') ?? null;
    const start = parseStart(flags.strings.get('offset'));
    const partition = flags.strings.has('partition') ? intFlag(flags, 'partition', 0) : null;
    if (group !== null && typeof start !== 'string') throw new UsageError('-o OFFSET, -N and @TIMESTAMP cannot be used with -g (the group decides the offset): use start or end');
    if (group !== null && partition !== null) throw new UsageError('-p cannot be used with -g (the group assigns the partitions)');
    if (flags.strings.has('print-format') && flags.strings.has('format')) throw new UsageError('-F and --format cannot be used together');
    const count = flags.strings.has('count') ? intFlag(flags, 'count', 0, 1) : null;
    const follow = flags.booleans.get('follow') === true;
    return { topic, count, start, group, follow, partition, tokens: parseFormat(flags.strings.get('print-format') ?? DEFAULT_FORMAT) };
  },
  async run(ctx, a) {
    const md = await ctx.client.metadata([a.topic]);
    const t = md.topics.find((x) => x.name === a.topic);
    if (t === undefined || t.error !== null) return kafkaFailure(ctx.name, `topic '${a.topic}'`, t?.error ?? { code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION', message: null });
    if (a.partition !== null && a.partition >= t.partitions.length) throw new UsageError(`-p ${a.partition}: topic '${a.topic}' has ${t.partitions.length} partitions`);
    const all = t.partitions.map((p) => ({ topic: a.topic, partition: p.partition })).filter((p) => a.partition === null || p.partition === a.partition);
    const ends = new Map<number, number>();
    for (const o of await ctx.client.listOffsets(all.map((p) => ({ ...p, spec: 'latest' as const })))) {
      if (o.error !== null) return kafkaFailure(ctx.name, `partition ${o.partition}`, o.error);
      ends.set(o.partition, o.offset);
    }
    const member = new GroupMember(ctx.client, { groupId: a.group ?? '', autoOffsetReset: a.start === 'end' ? 'latest' : 'earliest' });
    let stopping = false;
    const stop = (): void => {
      stopping = true;
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // -n N may wait long for its records: a line on a terminal's stderr says how many came
    // (when the records go elsewhere: printed on the terminal, they show it themselves).
    const progress = a.count === null ? null : new Progress(process.stderr, 'consumed', a.count, () => SYSTEM_IO.clock.monotonicMs(), process.stdout.isTTY === true);
    try {
      if (a.group !== null) {
        const refused = await member.subscribe({ topics: [a.topic] });
        if (refused !== null) return memberFailure(ctx.name, 'subscribe', refused);
      } else {
        member.assign(all);
        const placed = await placeAll(ctx.client, member, all, a.start);
        if (placed !== null) return memberFailure(ctx.name, `partition ${placed.partition}`, placed.error);
      }
      let printed = 0;
      const json = ctx.options.format === 'json';
      while (!stopping) {
        const polled = await member.poll(CONSUME_POLL_BYTES, CONSUME_POLL_WAIT_MS);
        if (polled.error !== null) return memberFailure(ctx.name, 'group', polled.error);
        const firstError = polled.errors[0];
        if (firstError !== undefined) return memberFailure(ctx.name, `partition ${firstError.partition}`, firstError.error);
        const out: Uint8Array[] = [];
        // The next offset after what was printed, per partition: what a group commits.
        const upTo = new Map<number, number>();
        for (const r of polled.records) {
          if (a.count !== null && printed >= a.count) break;
          out.push(json ? ENCODER.encode(`${recordJson(r)}\n`) : formatRecord(a.tokens, r));
          printed++;
          upTo.set(r.partition, r.offset + 1);
        }
        if (out.length > 0 && !(await write(concatBytes(out)))) return EXIT_OK;
        progress?.update(printed);
        if (a.group !== null && upTo.size > 0) {
          const committed = await member.commit([...upTo].map(([partition, offset]) => ({ topic: a.topic, partition, offset })));
          if (committed.error !== null) return memberFailure(ctx.name, 'commit', committed.error);
        }
        if (a.count !== null && printed >= a.count) return EXIT_OK;
        if (!a.follow && a.count === null && atEnd(member, ends)) return EXIT_OK;
      }
      return EXIT_OK;
    } finally {
      progress?.finish();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await member.close();
    }
  },
});

/** Every assigned partition's position is at or past the end it had at the start. */
function atEnd(member: GroupMember, ends: ReadonlyMap<number, number>): boolean {
  const assigned = member.assignment();
  if (assigned.length === 0) return false;
  return assigned.every((p) => {
    const pos = member.position(p);
    return pos !== null && pos >= (ends.get(p.partition) ?? 0);
  });
}

/** Seeks every partition to where -o says; the first partition that failed, or null. */
async function placeAll(client: KafkaClient, member: GroupMember, parts: readonly TopicPartition[], start: Start): Promise<(TopicPartition & { error: MemberErr }) | null> {
  if (start === 'start' || start === 'end') return (await member.seekTo(parts, start === 'start' ? 'earliest' : 'latest'))[0] ?? null;
  if ('offset' in start) {
    for (const p of parts) member.seek(p, start.offset);
    return null;
  }
  if ('fromEnd' in start) {
    const [first, next] = await Promise.all([client.listOffsets(parts.map((p) => ({ ...p, spec: 'earliest' as const }))), client.listOffsets(parts.map((p) => ({ ...p, spec: 'latest' as const })))]);
    for (const e of next) {
      const s = first.find((f) => f.partition === e.partition);
      const failed = e.error ?? s?.error ?? null;
      if (failed !== null) return { topic: e.topic, partition: e.partition, error: failed };
      member.seek(e, Math.max(s?.offset ?? 0, e.offset - start.fromEnd));
    }
    return null;
  }
  for (const o of await client.listOffsets(parts.map((p) => ({ ...p, spec: { timestamp: start.timestamp } })))) {
    if (o.error !== null) return { topic: o.topic, partition: o.partition, error: o.error };
    // No record at or after that time: begin at the end (Kafka's offsetsForTimes answers null there).
    if (o.offset < 0) {
      const [failed] = await member.seekTo([o], 'latest');
      if (failed !== undefined) return failed;
    } else member.seek(o, o.offset);
  }
  return null;
}

/** A Kafka error ("NAME: message") or the member's own refusal, then exit code 1. */
function memberFailure(name: string, what: string, error: MemberErr): number {
  if ('code' in error) return kafkaFailure(name, what, error);
  process.stderr.write(`${name}: ${what}: ${error.message}\n`);
  return EXIT_FAILURE;
}

/**
 * Writes to stdout and waits until it is written, so a slow pipe holds the consumer back instead
 * of buffering without bound. False when stdout is closed (`| head -1` exited: EPIPE), which
 * ends the command as a reader that has had enough, exit 0.
 */
function write(bytes: Uint8Array): Promise<boolean> {
  return new Promise((resolve) => {
    const closed = (): void => resolve(false);
    process.stdout.once('error', closed);
    const done = (err?: Error | null): void => {
      process.stdout.off('error', closed);
      resolve(err === undefined || err === null);
    };
    try {
      process.stdout.write(bytes, done);
    } catch {
      // Bun throws EPIPE from the write itself when the reader is gone.
      done(new Error('stdout closed'));
    }
  });
}
