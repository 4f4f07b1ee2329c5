// `freshet topic produce TOPIC [-K SEP] [-H key=value ...] [-p N]`: one record per line of stdin.
//
// Lines are read as bytes (any encoding passes through) and sent as each read of stdin returns
// them, in batches of at most PRODUCE_BATCH_RECORDS_MAX records or PRODUCE_BATCH_BYTES_MAX bytes,
// acks=all, each batch answered before the next is sent, so records of a partition keep the
// order of the input.
// The partition: -p, else a keyed record's murmur2 partition (as Kafka's and librdkafka's
// default partitioners place a key: src/proxy/partitioner.ts), else one partition per batch in
// turn (Kafka's sticky partitioner, KIP-480, sticks per batch the same way).
// The summary goes to stderr only on a terminal: piped, the command prints nothing but errors
// (with --format json, one summary object on stdout).

import { partitionForKey } from '../proxy/partitioner.ts';
import { intFlag, positionals, UsageError } from './args.ts';
import { EXIT_FAILURE, EXIT_OK, kafkaFailure, printJson, subcommand } from './output.ts';
import { lineRecord, parseHeader } from './record-format.ts';

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
  headers: Array<{ key: string; value: string }>;
  partition: number | null;
}

interface Pending {
  key: Uint8Array | null;
  value: Uint8Array;
}

const NEWLINE = 0x0a;

export const produce = subcommand<ProduceArgs>({
  args: 'TOPIC [-K SEP] [-H key=value ...] [-p N] < lines',
  summary: 'produce one record per line of stdin (a key before SEP with -K, headers with -H)',
  flags: {
    'key-separator': { kind: 'string', short: 'K', value: 'SEP', help: 'split each line at the first SEP into key and value (a line without SEP has no key), as kcat -K; \\t is a tab' },
    header: { kind: 'repeat', short: 'H', value: 'key=value', help: 'a header on every record, repeatable, as kcat -H' },
    partition: { kind: 'string', short: 'p', value: 'N', help: 'the partition to write to', defaultText: "the key's murmur2 partition; unkeyed records one partition per batch in turn" },
  },
  parse(flags) {
    const [topic] = positionals(flags, ['TOPIC']);
    const sep = flags.strings.get('key-separator');
    if (sep === '') throw new UsageError('-K needs a separator');
    const headers = (flags.repeats.get('header') ?? []).map(parseHeader);
    const partition = flags.strings.has('partition') ? intFlag(flags, 'partition', 0) : null;
    return { topic, keySeparator: sep === undefined ? null : new TextEncoder().encode(sep.replaceAll('\\t', '\t')), headers, partition };
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
    let batch: Pending[] = [];
    let bytes = 0;
    let turn = 0;
    const send = async (): Promise<number> => {
      if (batch.length === 0) return EXIT_OK;
      const sticky = turn++ % count;
      const byPartition = new Map<number, Pending[]>();
      for (const r of batch) {
        const p = a.partition ?? (r.key !== null ? partitionForKey(r.key, count) : sticky);
        byPartition.set(p, [...(byPartition.get(p) ?? []), r]);
      }
      const results = await ctx.client.produce(
        [...byPartition].map(([partition, rs]) => ({ topic: a.topic, partition, records: rs.map((r) => ({ key: r.key, value: r.value, headers: a.headers })) })),
        { acks: -1 },
      );
      for (const r of results) {
        if (r.error !== null) return kafkaFailure(ctx.name, `partition ${r.partition}`, r.error);
        perPartition.set(r.partition, (perPartition.get(r.partition) ?? 0) + (byPartition.get(r.partition)?.length ?? 0));
      }
      batch = [];
      bytes = 0;
      return EXIT_OK;
    };
    let carry = new Uint8Array(0);
    for await (const chunk of Bun.stdin.stream()) {
      const data = carry.length === 0 ? chunk : concat(carry, chunk);
      let start = 0;
      for (let nl = data.indexOf(NEWLINE); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
        const r = lineRecord(data.slice(start, nl), a.keySeparator);
        start = nl + 1;
        batch.push(r);
        bytes += r.value.length + (r.key?.length ?? 0);
        if (batch.length >= PRODUCE_BATCH_RECORDS_MAX || bytes >= PRODUCE_BATCH_BYTES_MAX) {
          if ((await send()) !== EXIT_OK) return EXIT_FAILURE;
        }
      }
      carry = data.slice(start);
      // Whatever one read returned goes out now: `tail -f log | freshet topic produce` and a
      // terminal send each line as it comes, a file still goes in large requests.
      if ((await send()) !== EXIT_OK) return EXIT_FAILURE;
      if (carry.length > PRODUCE_LINE_BYTES_MAX) {
        process.stderr.write(`${ctx.name}: a line longer than ${PRODUCE_LINE_BYTES_MAX} bytes on stdin\n`);
        return EXIT_FAILURE;
      }
    }
    // A last line without a newline is a record too (as kcat reads it).
    if (carry.length > 0) batch.push(lineRecord(carry, a.keySeparator));
    if ((await send()) !== EXIT_OK) return EXIT_FAILURE;
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
