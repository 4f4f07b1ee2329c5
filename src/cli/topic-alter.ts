// `freshet topic alter-config|add-partitions|trim-prefix`: changing a topic that exists.
//
// alter-config: IncrementalAlterConfigs (KIP-339) SET/DELETE on the TOPIC resource, as rpk's
// `topic alter-config --set k=v --delete k` and `kafka-configs --alter --add-config` send it;
// the broker validates every key before it applies any, and its error message (Kafka's
// "Invalid value ... for configuration ...") is printed as given.
// add-partitions: CreatePartitions. `-n N` adds N to each topic, as rpk's `topic add-partitions
// --num` does (rpk is the model for this verb); `--total N` asks for N in all, as
// `kafka-topics --alter --partitions N` does. Partitions can only grow (Kafka's rule).
// trim-prefix: DeleteRecords (KIP-107), rpk's name for it: `-o OFFSET|end|@TIMESTAMP` moves each
// partition's log start offset up to the offset, to the high watermark (`end`, DeleteRecords'
// -1) or to the first record at or after the time (ListOffsets by timestamp; none: the end).
// rpk asks for a confirmation first; this command does not (it is for scripts too), so it needs
// -o every time.

import { ConfigOp, type ConfigOpCode, ResourceType } from '../client/admin.ts';
import { DELETE_TO_HIGH_WATERMARK } from '../client/data.ts';
import { intFlag, listFlag, UsageError } from './args.ts';
import { errorJson, EXIT_FAILURE, EXIT_OK, kafkaFailure, printJson, printTable, subcommand } from './output.ts';

/** Config changes per alter-config: far above any topic's config count (Kafka's topic configs number ~30). */
const ALTER_CONFIG_CHANGES_MAX = 1000;

interface AlterConfigArgs {
  topic: string;
  changes: Array<{ name: string; op: ConfigOpCode; value: string | null }>;
  dryRun: boolean;
}

export const alterConfig = subcommand<AlterConfigArgs>({
  args: 'NAME [--set key=value ...] [--delete key ...] [--dry-run]',
  summary: "change a topic's configs (IncrementalAlterConfigs): set values, delete them back to the broker's default",
  flags: {
    set: { kind: 'repeat', short: 's', value: 'key=value', help: 'set a topic config, repeatable' },
    delete: { kind: 'repeat', short: 'd', value: 'key', help: "remove a topic config (back to the broker's default), repeatable" },
    'dry-run': { kind: 'boolean', help: 'only validate (validateOnly)' },
  },
  parse(flags) {
    const [topic, ...extra] = flags.positionals;
    if (topic === undefined) throw new UsageError('missing NAME');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const changes: AlterConfigArgs['changes'] = [];
    for (const kv of flags.repeats.get('set') ?? []) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError(`--set expects key=value, not '${kv}'`);
      changes.push({ name: kv.slice(0, eq), op: ConfigOp.SET, value: kv.slice(eq + 1) });
    }
    for (const key of flags.repeats.get('delete') ?? []) {
      if (key === '' || key.includes('=')) throw new UsageError(`--delete takes a config name, not '${key}'`);
      changes.push({ name: key, op: ConfigOp.DELETE, value: null });
    }
    if (changes.length === 0) throw new UsageError('nothing to change: give --set key=value or --delete key');
    if (changes.length > ALTER_CONFIG_CHANGES_MAX) throw new UsageError(`at most ${ALTER_CONFIG_CHANGES_MAX} changes at once`);
    const names = changes.map((c) => c.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    // Kafka refuses a resource naming one config twice (INVALID_REQUEST); say which, before sending.
    if (twice !== undefined) throw new UsageError(`'${twice}' is changed twice`);
    return { topic, changes, dryRun: flags.booleans.get('dry-run') === true };
  },
  async run(ctx, a) {
    const [result] = await ctx.client.incrementalAlterConfigs([{ type: ResourceType.TOPIC, name: a.topic, configs: a.changes }], { validateOnly: a.dryRun });
    const error = result?.error ?? null;
    if (ctx.options.format === 'json') printJson({ topic: a.topic, dryRun: a.dryRun, changes: a.changes.map((c) => ({ name: c.name, op: c.op === ConfigOp.SET ? 'set' : 'delete', value: c.value })), error: errorJson(error) });
    if (error !== null) return kafkaFailure(ctx.name, `topic '${a.topic}'`, error);
    if (ctx.options.format === 'table') {
      const said = a.changes.map((c) => (c.op === ConfigOp.SET ? `set ${c.name}=${c.value}` : `deleted ${c.name}`)).join(', ');
      process.stdout.write(`${a.dryRun ? 'valid (dry run, nothing changed)' : 'altered'} topic ${a.topic}: ${said}\n`);
    }
    return EXIT_OK;
  },
});

interface AddPartitionsArgs {
  topics: string[];
  add: number | null;
  total: number | null;
}

export const addPartitions = subcommand<AddPartitionsArgs>({
  args: 'NAME [NAME ...] (-n N | --total N)',
  summary: 'add partitions to topics (CreatePartitions): -n N more each, as rpk, or --total N in all',
  flags: {
    num: { kind: 'string', short: 'n', value: 'N', help: 'how many partitions to add to each topic (rpk topic add-partitions --num)' },
    total: { kind: 'string', value: 'N', help: 'the partition count to grow each topic to (kafka-topics --alter --partitions)' },
  },
  parse(flags) {
    if (flags.positionals.length === 0) throw new UsageError('missing NAME');
    const add = flags.strings.has('num') ? intFlag(flags, 'num', 0, 1) : null;
    const total = flags.strings.has('total') ? intFlag(flags, 'total', 0, 1) : null;
    if ((add === null) === (total === null)) throw new UsageError('give exactly one of -n N (partitions to add) or --total N');
    return { topics: flags.positionals, add, total };
  },
  async run(ctx, a) {
    let counts = a.topics.map((name) => ({ name, count: a.total ?? 0 }));
    if (a.add !== null) {
      const md = await ctx.client.metadata(a.topics);
      const missing: string[] = [];
      counts = a.topics.map((name) => {
        const t = md.topics.find((x) => x.name === name);
        if (t === undefined || t.error !== null) missing.push(name);
        return { name, count: (t?.partitions.length ?? 0) + a.add! };
      });
      for (const name of missing) {
        const t = md.topics.find((x) => x.name === name);
        kafkaFailure(ctx.name, `topic '${name}'`, t?.error ?? { code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION', message: null });
      }
      if (missing.length > 0) return EXIT_FAILURE;
    }
    const results = await ctx.client.createPartitions(counts);
    if (ctx.options.format === 'json') printJson(results.map((r) => ({ name: r.name, partitions: counts.find((c) => c.name === r.name)?.count ?? null, error: errorJson(r.error) })));
    let failed = false;
    for (const r of results) {
      if (r.error !== null) {
        kafkaFailure(ctx.name, `topic '${r.name}'`, r.error);
        failed = true;
      } else if (ctx.options.format === 'table') {
        process.stdout.write(`topic ${r.name} now has ${counts.find((c) => c.name === r.name)?.count} partitions\n`);
      }
    }
    return failed ? EXIT_FAILURE : EXIT_OK;
  },
});

type TrimTo = 'end' | { offset: number } | { timestamp: number };

interface TrimArgs {
  topic: string;
  to: TrimTo;
  partitions: number[] | null;
}

function parseTrimTo(s: string | undefined): TrimTo {
  if (s === undefined) throw new UsageError('missing -o OFFSET|end|@TIMESTAMP (where the log should start)');
  if (s === 'end') return 'end';
  if (/^\d+$/.test(s)) return { offset: Number(s) };
  if (/^@\d+$/.test(s)) return { timestamp: Number(s.slice(1)) };
  throw new UsageError(`-o takes an OFFSET, end or @TIMESTAMP (ms), not '${s}'`);
}

export const trimPrefix = subcommand<TrimArgs>({
  args: 'NAME -o OFFSET|end|@TIMESTAMP [-p P[,P...]]',
  summary: "delete the records before an offset (DeleteRecords): the log start offset moves up; rpk's trim-prefix",
  flags: {
    offset: { kind: 'string', short: 'o', value: 'OFFSET|end|@TIMESTAMP', help: 'the new log start offset: an offset, end (every record written), or the first record at or after a time in ms' },
    partitions: { kind: 'string', short: 'p', value: 'P[,P...]', help: 'only these partitions', defaultText: 'all' },
  },
  parse(flags) {
    const [topic, ...extra] = flags.positionals;
    if (topic === undefined) throw new UsageError('missing NAME');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const partitions = listFlag(flags, 'partitions')?.map((p) => {
      if (!/^\d+$/.test(p)) throw new UsageError(`-p takes partition numbers, not '${p}'`);
      return Number(p);
    }) ?? null;
    return { topic, to: parseTrimTo(flags.strings.get('offset')), partitions };
  },
  async run(ctx, a) {
    const md = await ctx.client.metadata([a.topic]);
    const t = md.topics.find((x) => x.name === a.topic);
    if (t === undefined || t.error !== null) return kafkaFailure(ctx.name, `topic '${a.topic}'`, t?.error ?? { code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION', message: null });
    const unknown = (a.partitions ?? []).find((p) => p >= t.partitions.length);
    if (unknown !== undefined) throw new UsageError(`-p ${unknown}: topic '${a.topic}' has ${t.partitions.length} partitions`);
    const parts = (a.partitions ?? t.partitions.map((p) => p.partition)).map((partition) => ({ topic: a.topic, partition }));
    let items: Array<{ topic: string; partition: number; offset: number }>;
    if (a.to === 'end') items = parts.map((p) => ({ ...p, offset: DELETE_TO_HIGH_WATERMARK }));
    else if ('offset' in a.to) {
      const offset = a.to.offset;
      items = parts.map((p) => ({ ...p, offset }));
    } else {
      const spec = { timestamp: a.to.timestamp };
      const found = await ctx.client.listOffsets(parts.map((p) => ({ ...p, spec })));
      const failed = found.find((o) => o.error !== null);
      if (failed?.error) return kafkaFailure(ctx.name, `partition ${failed.partition}`, failed.error);
      // No record at or after the time: everything is before it, so trim to the end.
      items = found.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset < 0 ? DELETE_TO_HIGH_WATERMARK : o.offset }));
    }
    const results = (await ctx.client.deleteRecords(items)).sort((x, y) => x.partition - y.partition);
    if (ctx.options.format === 'json') printJson(results.map((r) => ({ topic: r.topic, partition: r.partition, logStartOffset: r.error === null ? r.lowWatermark : null, error: errorJson(r.error) })));
    else printTable(['TOPIC', 'PARTITION', 'LOG-START-OFFSET', 'ERROR'], results.map((r) => [r.topic, r.partition, r.error === null ? r.lowWatermark : null, r.error === null ? null : `${r.error.name}${r.error.message ? `: ${r.error.message}` : ''}`]));
    const failed = results.filter((r) => r.error !== null);
    for (const r of failed) kafkaFailure(ctx.name, `partition ${r.partition}`, r.error!);
    return failed.length > 0 ? EXIT_FAILURE : EXIT_OK;
  },
});
