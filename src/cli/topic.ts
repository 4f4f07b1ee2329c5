// `freshet topic create|list|describe|delete|alter-config|add-partitions|trim-prefix|produce|consume`:
// topics through the internal client (alter-config, add-partitions and trim-prefix live in
// topic-alter.ts, produce and consume in topic-produce.ts and topic-consume.ts).

import { CONFIG_SOURCE_NAMES, ResourceType } from '../client/admin.ts';
import { intFlag, positionals, UsageError } from './args.ts';
import { addPartitions, alterConfig, trimPrefix } from './topic-alter.ts';
import { consume } from './topic-consume.ts';
import { produce } from './topic-produce.ts';
import { errorJson, EXIT_FAILURE, EXIT_OK, kafkaFailure, printJson, printTable, runCommandGroup, type Subcommand, subcommand } from './output.ts';

const create = subcommand({
  args: 'NAME [-p N] [-r N] [-c key=value ...]',
  summary: "create a topic (partitions and replication factor default to the broker's)",
  flags: {
    partitions: { kind: 'string', short: 'p', value: 'N', help: 'number of partitions', defaultText: "the broker's num.partitions" },
    replicas: { kind: 'string', short: 'r', value: 'N', help: 'replication factor', defaultText: "the broker's default.replication.factor" },
    config: { kind: 'repeat', short: 'c', value: 'key=value', help: 'a topic config (retention.ms, cleanup.policy, ...), repeatable' },
  },
  parse(flags) {
    const [name] = positionals(flags, ['NAME']);
    const configs: Record<string, string> = {};
    for (const kv of flags.repeats.get('config') ?? []) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError(`-c expects key=value, not '${kv}'`);
      configs[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    return { name, numPartitions: intFlag(flags, 'partitions', -1, 1), replicationFactor: intFlag(flags, 'replicas', -1, 1), configs };
  },
  async run(ctx, topic) {
    const name = topic.name;
    const [result] = await ctx.client.createTopics([topic]);
    if (result.error !== null) return kafkaFailure(ctx.name, `topic '${name}'`, result.error);
    if (ctx.options.format === 'json') {
      printJson({ name, topicId: result.topicId, partitions: result.numPartitions, replicationFactor: result.replicationFactor });
    } else {
      process.stdout.write(`created topic ${name} (${result.numPartitions} partitions, replication factor ${result.replicationFactor}, id ${result.topicId})\n`);
    }
    return EXIT_OK;
  },
});

const list = subcommand({
  args: '',
  summary: 'every topic with its partition count',
  flags: {},
  parse: (flags) => positionals(flags, []),
  async run(ctx) {
    const md = await ctx.client.metadata(null);
    const topics = md.topics.slice().sort((a, b) => (a.name < b.name ? -1 : 1));
    if (ctx.options.format === 'json') {
      printJson(
        topics.map((t) => ({
          name: t.name,
          topicId: t.topicId,
          partitions: t.partitions.length,
          replicationFactor: t.partitions[0]?.replicas.length ?? 0,
          internal: t.isInternal,
          error: errorJson(t.error),
        })),
      );
    } else {
      printTable(
        ['NAME', 'PARTITIONS', 'REPLICAS', 'INTERNAL', 'ID'],
        topics.map((t) => [t.name, t.partitions.length, t.partitions[0]?.replicas.length ?? 0, t.isInternal ? 'yes' : 'no', t.topicId]),
      );
    }
    return EXIT_OK;
  },
});

const describe = subcommand({
  args: 'NAME',
  summary: 'partitions (leader, offsets) and configs',
  flags: {},
  parse: (flags) => positionals(flags, ['NAME'])[0],
  async run(ctx, name) {
    const md = await ctx.client.metadata([name]);
    const topic = md.topics.find((t) => t.name === name);
    if (topic === undefined) return kafkaFailure(ctx.name, `topic '${name}'`, { code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION', message: null });
    if (topic.error !== null) return kafkaFailure(ctx.name, `topic '${name}'`, topic.error);
    const keys = topic.partitions.map((p) => ({ topic: name, partition: p.partition }));
    const [starts, ends, [configs]] = await Promise.all([
      ctx.client.listOffsets(keys.map((k) => ({ ...k, spec: 'earliest' as const }))),
      ctx.client.listOffsets(keys.map((k) => ({ ...k, spec: 'latest' as const }))),
      ctx.client.describeConfigs([{ type: ResourceType.TOPIC, name }]),
    ]);
    const offsetOf = (list: typeof starts, p: number): number | null => {
      const o = list.find((x) => x.partition === p);
      return o === undefined || o.error !== null ? null : o.offset;
    };
    const partitions = topic.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicas,
      isr: p.isr,
      logStartOffset: offsetOf(starts, p.partition),
      highWatermark: offsetOf(ends, p.partition),
      error: errorJson(p.error),
    }));
    if (configs.error !== null) return kafkaFailure(ctx.name, `configs of '${name}'`, configs.error);
    const configRows = configs.configs
      .slice()
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((c) => ({ name: c.name, value: c.isSensitive ? null : c.value, source: CONFIG_SOURCE_NAMES[c.source] ?? String(c.source), readOnly: c.readOnly, sensitive: c.isSensitive }));
    if (ctx.options.format === 'json') {
      printJson({ name, topicId: topic.topicId, internal: topic.isInternal, partitions, configs: configRows });
      return EXIT_OK;
    }
    printTable(
      ['NAME', 'ID', 'PARTITIONS', 'REPLICAS', 'INTERNAL'],
      [[name, topic.topicId, partitions.length, topic.partitions[0]?.replicas.length ?? 0, topic.isInternal ? 'yes' : 'no']],
    );
    process.stdout.write('\n');
    printTable(
      ['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'LOG-START-OFFSET', 'HIGH-WATERMARK', 'ERROR'],
      partitions.map((p) => [p.partition, p.leader, p.leaderEpoch, p.replicas.join(','), p.isr.join(','), p.logStartOffset, p.highWatermark, p.error?.name ?? null]),
    );
    process.stdout.write('\n');
    printTable(
      ['CONFIG', 'VALUE', 'SOURCE'],
      configRows.map((c) => [c.name, c.sensitive ? '(sensitive)' : c.value, c.source]),
    );
    return EXIT_OK;
  },
});

const del = subcommand({
  args: 'NAME [NAME ...]',
  summary: 'delete topics',
  flags: {},
  parse(flags) {
    if (flags.positionals.length === 0) throw new UsageError('missing NAME');
    return flags.positionals;
  },
  async run(ctx, names) {
    const results = await ctx.client.deleteTopics(names);
    if (ctx.options.format === 'json') printJson(results.map((r) => ({ name: r.name, error: errorJson(r.error) })));
    let failed = false;
    for (const r of results) {
      if (r.error !== null) {
        kafkaFailure(ctx.name, `topic '${r.name}'`, r.error);
        failed = true;
      } else if (ctx.options.format === 'table') {
        process.stdout.write(`deleted topic ${r.name}\n`);
      }
    }
    return failed ? EXIT_FAILURE : EXIT_OK;
  },
});

const COMMANDS: Readonly<Record<string, Subcommand>> = {
  create,
  list,
  describe,
  delete: del,
  'alter-config': alterConfig,
  'add-partitions': addPartitions,
  'trim-prefix': trimPrefix,
  produce,
  consume,
};

export async function runTopic(argv: readonly string[]): Promise<number> {
  return runCommandGroup('freshet topic', argv, COMMANDS);
}
