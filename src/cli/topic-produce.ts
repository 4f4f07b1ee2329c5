// `freshet topic produce TOPIC [-K SEP] [-D DELIM] [-F FORMAT] [-H key=value ...] [-p N]`: one
// record per line of stdin (per DELIM with -D, kcat's producer flag), or records read by an
// rpk-style format string (-F, record-format.ts).
//
// Lines are read as bytes (any encoding passes through) and sent as each read of stdin returns
// them, in batches of at most PRODUCE_BATCH_RECORDS_MAX records or PRODUCE_BATCH_BYTES_MAX bytes,
// acks=all, each batch answered before the next is sent, so records of a partition keep the
// order of the input.
// The partition: -p, else a keyed record's murmur2 partition (as Kafka's and librdkafka's
// default partitioners place a key: src/proxy/partitioner.ts), else one partition per batch in
// turn (Kafka's sticky partitioner, KIP-480, sticks per batch the same way).
// On a terminal, stderr shows a progress line while it runs (progress.ts).
// The summary goes to stderr only on a terminal: piped, the command prints nothing but errors
// (with --format json, one summary object on stdout).

import { partitionForKey } from '../proxy/partitioner.ts';
import { intFlag, positionals, UsageError } from './args.ts';
import { EXIT_FAILURE, EXIT_OK, kafkaFailure, printJson, subcommand } from './output.ts';
import { SYSTEM_IO } from './node-deps.ts';
import { Progress } from './progress.ts';
import { delimiterBytes, indexOfBytes, type InputFormat, lineRecord, parseHeader, parseInputFormat, readInputRecord } from './record-format.ts';

/** Records per Produce request: large enough to amortize a round trip, small enough to keep one request far below message.max.bytes' 1 MiB default. */
export const PRODUCE_BATCH_RECORDS_MAX = 1000;
/** Bytes of keys and values per Produce request (Kafka's default batch.size is 16 KiB; a line tool sends more per trip). */
export const PRODUCE_BATCH_BYTES_MAX = 512 * 1024;
/** The longest line accepted (Kafka's default message.max.bytes, 1 MiB): longer input is an error, not a silent split. */
export const PRODUCE_LINE_BYTES_MAX = 1024 * 1024;

/** Metadata retries while a new topic gets its leaders: 20 x 100 ms, Kafka's retry.backoff.ms, 2 s in all. */
const METADATA_RETRIES_MAX = 20;
const METADATA_RETRY_MS = 100;

interface ProduceArgs {
  topic: string;
  keySeparator: Uint8Array | null;
  /** Between records (kcat -D); a newline by default. */
  recordDelimiter: Uint8Array;
  inputFormat: InputFormat | null;
  headers: Array<{ key: string; value: string }>;
  partition: number | null;
}

interface Pending {
  key: Uint8Array | null;
  value: Uint8Array;
  headers: ReadonlyArray<{ key: string; value: string | Uint8Array }>;
  /** From the input (-F %p), else null: -p or the partitioner decides. */
  partition: number | null;
}

const NEWLINE = new Uint8Array([0x0a]);

/** Splits stdin into records: `take` returns the records complete in `data` from `start` and where the rest begins. */
type Splitter = (data: Uint8Array, eof: boolean) => { records: Pending[]; rest: number } | { error: string };

/** One record per line (or per -D delimiter), split at -K (kcat's producer). A last line without a newline is a record too. */
function lineSplitter(a: ProduceArgs): Splitter {
  const d = a.recordDelimiter;
  return (data, eof) => {
    const records: Pending[] = [];
    let start = 0;
    for (;;) {
      // A one-byte delimiter (the newline) through the native search; longer ones byte by byte.
      const at = d.length === 1 ? data.indexOf(d[0], start) : start + indexOfBytes(data.subarray(start), d);
      if (at < start) break;
      records.push({ ...lineRecord(data.slice(start, at), a.keySeparator), headers: a.headers, partition: null });
      start = at + d.length;
    }
    if (eof && start < data.length) {
      records.push({ ...lineRecord(data.slice(start), a.keySeparator), headers: a.headers, partition: null });
      start = data.length;
    }
    return { records, rest: start };
  };
}

/** Records read by the -F format (record-format.ts readInputRecord); -H headers are added to each. */
function formatSplitter(a: ProduceArgs, format: InputFormat): Splitter {
  let base = 0;
  return (data, eof) => {
    const records: Pending[] = [];
    let start = 0;
    while (start < data.length) {
      const r = readInputRecord(format, data, start, eof, base);
      if (r.kind === 'more') break;
      if (r.kind === 'error') return { error: r.message };
      if (r.next === start) return { error: `-F reads nothing at byte ${base + start}` };
      records.push({ key: r.record.key, value: r.record.value, headers: [...r.record.headers, ...a.headers], partition: r.record.partition });
      start = r.next;
    }
    base += start;
    return { records, rest: start };
  };
}

export const produce = subcommand<ProduceArgs>({
  args: "TOPIC [-K SEP] [-D DELIM] [-F FORMAT] [-H key=value ...] [-p N] < input",
  summary: "produce one record per line of stdin (a key before SEP with -K, headers with -H), or records read by a format (-F, rpk's '%k %v\\n')",
  flags: {
    'key-separator': { kind: 'string', short: 'K', value: 'SEP', help: 'split each line at the first SEP into key and value (a line without SEP has no key), as kcat -K; \\t \\n \\r \\\\ escapes' },
    delimiter: { kind: 'string', short: 'D', value: 'DELIM', help: 'what ends a record instead of a newline, as kcat -D (same escapes)', defaultText: "'\\n'" },
    'input-format': {
      kind: 'string',
      short: 'F',
      value: 'FORMAT',
      help:
        "read records by a format instead of lines, as rpk topic produce -f: text is a delimiter matched exactly; %k key, %v value (up to the next delimiter, or as long as %K/%V said), %K/%V key/value length, %K{N}/%V{N} fixed lengths, %p partition, %H header count (%H{N} fixed) then %h{FORMAT} each header (its %k=%v), %% %{ %} literals; \\n \\t \\r \\\\ \\xNN escapes. Example: '%p %k=%v\\n', '%H{1}%h{%k:%v }%v\\n'",
    },
    header: { kind: 'repeat', short: 'H', value: 'key=value', help: 'a header on every record, repeatable, as kcat -H' },
    partition: { kind: 'string', short: 'p', value: 'N', help: 'the partition to write to', defaultText: "the key's murmur2 partition; unkeyed records one partition per batch in turn" },
  },
  parse(flags) {
    const [topic] = positionals(flags, ['TOPIC']);
    const sep = flags.strings.get('key-separator');
    const delim = flags.strings.get('delimiter');
    const headers = (flags.repeats.get('header') ?? []).map(parseHeader);
    const partition = flags.strings.has('partition') ? intFlag(flags, 'partition', 0) : null;
    const formatText = flags.strings.get('input-format');
    if (formatText !== undefined && (sep !== undefined || delim !== undefined)) throw new UsageError('-K and -D cannot be used with -F (put the delimiters in the format: -F "%k SEP %v\\n")');
    const inputFormat = formatText === undefined ? null : parseInputFormat(formatText);
    if (inputFormat?.hasPartition === true && partition !== null) throw new UsageError('-p and a format with %p cannot be used together');
    return {
      topic,
      keySeparator: sep === undefined ? null : delimiterBytes(sep, '-K'),
      recordDelimiter: delim === undefined ? NEWLINE : delimiterBytes(delim, '-D'),
      inputFormat,
      headers,
      partition,
    };
  },
  async run(ctx, a) {
    // As producers ask (Kafka's producer, kcat): the broker creates the topic if its
    // auto.create.topics.enable says so (on under --dev), else answers UNKNOWN_TOPIC_OR_PARTITION.
    let t = (await ctx.client.metadata([a.topic], { allowAutoTopicCreation: true })).topics.find((x) => x.name === a.topic);
    // A topic just created may not have its leaders yet (LEADER_NOT_AVAILABLE, retriable in Kafka).
    for (let i = 0; i < METADATA_RETRIES_MAX && t?.error?.name === 'LEADER_NOT_AVAILABLE'; i++) {
      await Bun.sleep(METADATA_RETRY_MS);
      t = (await ctx.client.metadata([a.topic])).topics.find((x) => x.name === a.topic);
    }
    if (t === undefined || t.error !== null) return kafkaFailure(ctx.name, `topic '${a.topic}'`, t?.error ?? { code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION', message: null });
    const count = t.partitions.length;
    if (a.partition !== null && a.partition >= count) throw new UsageError(`-p ${a.partition}: topic '${a.topic}' has ${count} partitions`);
    const perPartition = new Map<number, number>();
    const progress = new Progress(process.stderr, 'produced', null, () => SYSTEM_IO.clock.monotonicMs());
    let produced = 0;
    let batch: Pending[] = [];
    let bytes = 0;
    let turn = 0;
    const send = async (): Promise<number> => {
      if (batch.length === 0) return EXIT_OK;
      const sticky = turn++ % count;
      const byPartition = new Map<number, Pending[]>();
      for (const r of batch) {
        const p = r.partition ?? a.partition ?? (r.key !== null ? partitionForKey(r.key, count) : sticky);
        if (p >= count) {
          process.stderr.write(`${ctx.name}: %p ${p}: topic '${a.topic}' has ${count} partitions\n`);
          return EXIT_FAILURE;
        }
        byPartition.set(p, [...(byPartition.get(p) ?? []), r]);
      }
      const results = await ctx.client.produce(
        [...byPartition].map(([partition, rs]) => ({ topic: a.topic, partition, records: rs.map((r) => ({ key: r.key, value: r.value, headers: [...r.headers] })) })),
        { acks: -1 },
      );
      for (const r of results) {
        if (r.error !== null) return kafkaFailure(ctx.name, `partition ${r.partition}`, r.error);
        perPartition.set(r.partition, (perPartition.get(r.partition) ?? 0) + (byPartition.get(r.partition)?.length ?? 0));
      }
      produced += batch.length;
      progress.update(produced);
      batch = [];
      bytes = 0;
      return EXIT_OK;
    };
    const split = a.inputFormat === null ? lineSplitter(a) : formatSplitter(a, a.inputFormat);
    /** Splits what is buffered and sends it in batches; false after a failure (already reported). */
    const take = async (data: Uint8Array, eof: boolean): Promise<Uint8Array | null> => {
      const got = split(data, eof);
      if ('error' in got) {
        process.stderr.write(`${ctx.name}: stdin: ${got.error}\n`);
        return null;
      }
      for (const r of got.records) {
        batch.push(r);
        bytes += r.value.length + (r.key?.length ?? 0);
        if (batch.length >= PRODUCE_BATCH_RECORDS_MAX || bytes >= PRODUCE_BATCH_BYTES_MAX) {
          if ((await send()) !== EXIT_OK) return null;
        }
      }
      // Whatever one read returned goes out now: `tail -f log | freshet topic produce` and a
      // terminal send each line as it comes, a file still goes in large requests.
      if ((await send()) !== EXIT_OK) return null;
      return data.slice(got.rest);
    };
    try {
      let carry: Uint8Array | null = new Uint8Array(0);
      for await (const chunk of Bun.stdin.stream()) {
        carry = await take(carry.length === 0 ? chunk : concat(carry, chunk), false);
        if (carry === null) return EXIT_FAILURE;
        if (carry.length > PRODUCE_LINE_BYTES_MAX) {
          process.stderr.write(`${ctx.name}: a ${a.inputFormat === null ? 'line' : 'record'} longer than ${PRODUCE_LINE_BYTES_MAX} bytes on stdin\n`);
          return EXIT_FAILURE;
        }
      }
      if ((await take(carry, true)) === null) return EXIT_FAILURE;
    } finally {
      progress.finish();
    }
    const total = [...perPartition.values()].reduce((x, y) => x + y, 0);
    if (ctx.options.format === 'json') {
      printJson({ topic: a.topic, records: total, partitions: [...perPartition].sort((x, y) => x[0] - y[0]).map(([partition, records]) => ({ partition, records })) });
    } else if (process.stderr.isTTY) {
      process.stderr.write(`produced ${total} records to ${a.topic}\n`);
    }
    return EXIT_OK;
  },
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
