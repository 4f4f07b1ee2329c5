// `freshet topic alter-config|add-partitions|trim-prefix` against the compiled binary, each
// checked with a client we did not write: kafka-python's DescribeConfigs for the configs, kcat's
// metadata for the partition count, kcat reading from the beginning for the log start offset.
// Expectations are Kafka's semantics: IncrementalAlterConfigs SET/DELETE (KIP-339) with the
// broker's validation, CreatePartitions only growing, DeleteRecords (KIP-107) moving the log
// start offset (-1: the high watermark; past it OFFSET_OUT_OF_RANGE).

import { afterAll, beforeAll, describe, expect, setDefaultTimeout } from 'bun:test';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { describeRun, expectSuccess, kcat, KCAT_AND_PYTHON, KCAT_TOOL, PYTHON, run, type RunResult } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(60_000);

const CLI_TIMEOUT_MS = 20_000;
let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

function topicCmd(...args: string[]): Promise<RunResult> {
  return run([FRESHET_BIN, 'topic', ...args, '--brokers', broker.bootstrap], { timeoutMs: CLI_TIMEOUT_MS });
}

function expectExit(result: RunResult, code: number): RunResult {
  expect(result.timedOut, describeRun(result)).toBe(false);
  expect(result.exitCode, describeRun(result)).toBe(code);
  return result;
}

/** A topic's configs as kafka-python's DescribeConfigs answers them (name -> value). */
async function describedConfigs(topic: string): Promise<Record<string, string | null>> {
  const code = `
import json, sys
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
a = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=20000)
r = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, sys.argv[2])])
print(json.dumps({e[0]: e[1] for e in r[0].resources[0][4]}))
a.close()`;
  const r = expectSuccess(await run([PYTHON, '-c', code, broker.bootstrap, topic], { timeoutMs: CLI_TIMEOUT_MS }));
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, string | null>;
}

/** kcat -L: the topic's partition count. */
async function partitionCount(topic: string): Promise<number> {
  const r = expectSuccess(await kcat(['-b', broker.bootstrap, '-L', '-J', '-t', topic], { timeoutMs: CLI_TIMEOUT_MS }));
  const md = JSON.parse(r.stdout) as { topics: Array<{ topic: string; partitions: unknown[] }> };
  return md.topics.find((t) => t.topic === topic)?.partitions.length ?? -1;
}

/** The offsets kcat reads from the beginning of one partition. */
async function offsetsFromStart(topic: string, partition: number): Promise<number[]> {
  const r = expectSuccess(await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', '%o\\n'], { timeoutMs: CLI_TIMEOUT_MS }));
  return r.stdout.split('\n').filter((l) => l !== '').map(Number);
}

describe('freshet topic alter-config', () => {
  testRequiring(KCAT_AND_PYTHON, 'sets and deletes configs; an invalid value is refused with Kafka\'s message and changes nothing', async () => {
    const topic = uniqueTopic('cli-alter');
    expectExit(await topicCmd('create', topic, '-c', 'cleanup.policy=compact'), 0);
    const altered = expectExit(await topicCmd('alter-config', topic, '--set', 'retention.ms=3600000', '-s', 'max.message.bytes=2048', '--delete', 'cleanup.policy'), 0);
    expect(altered.stdout).toContain(`altered topic ${topic}`);
    let configs = await describedConfigs(topic);
    expect(configs['retention.ms']).toBe('3600000');
    expect(configs['max.message.bytes']).toBe('2048');
    // Deleted: back to the broker's default (Kafka's log.cleanup.policy default is delete).
    expect(configs['cleanup.policy']).toBe('delete');

    const refused = expectExit(await topicCmd('alter-config', topic, '--set', 'retention.ms=soon', '--set', 'max.message.bytes=4096'), 1);
    expect(refused.stderr).toContain('INVALID_CONFIG');
    expect(refused.stderr).toContain('retention.ms');
    configs = await describedConfigs(topic);
    // IncrementalAlterConfigs validates the whole resource before applying any of it.
    expect(configs['max.message.bytes']).toBe('2048');

    const dry = expectExit(await topicCmd('alter-config', topic, '--set', 'retention.ms=1000', '--dry-run'), 0);
    expect(dry.stdout).toContain('dry run');
    expect((await describedConfigs(topic))['retention.ms']).toBe('3600000');
  });

  testRequiring(KCAT_TOOL, 'usage errors exit 2 before connecting', async () => {
    for (const args of [['alter-config', 't'], ['alter-config', 't', '--set', 'noequals'], ['alter-config', 't', '-s', 'a=1', '-d', 'a'], ['add-partitions', 't'], ['add-partitions', 't', '-n', '1', '--total', '3'], ['trim-prefix', 't'], ['trim-prefix', 't', '-o', 'soon']]) {
      const r = await run([FRESHET_BIN, 'topic', ...args, '--brokers', '127.0.0.1:1'], { timeoutMs: CLI_TIMEOUT_MS });
      expectExit(r, 2);
      expect(r.stderr).toContain('usage: freshet topic');
    }
  });
});

describe('freshet topic add-partitions', () => {
  testRequiring(KCAT_TOOL, '-n adds to the count (rpk), --total sets it (kafka-topics); shrinking is refused', async () => {
    const topic = uniqueTopic('cli-addp');
    expectExit(await topicCmd('create', topic, '-p', '2'), 0);
    expectExit(await topicCmd('add-partitions', topic, '-n', '2'), 0);
    expect(await partitionCount(topic)).toBe(4);
    expectExit(await topicCmd('add-partitions', topic, '--total', '6'), 0);
    expect(await partitionCount(topic)).toBe(6);
    const refused = expectExit(await topicCmd('add-partitions', topic, '--total', '3'), 1);
    expect(refused.stderr).toContain('INVALID_PARTITIONS');
    expect(await partitionCount(topic)).toBe(6);
    const unknown = expectExit(await topicCmd('add-partitions', uniqueTopic('cli-addp-none'), '-n', '1'), 1);
    expect(unknown.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');
  });
});

describe('freshet topic trim-prefix', () => {
  testRequiring(KCAT_TOOL, '-o OFFSET and -o end move the log start offset; kcat then reads from there', async () => {
    const topic = uniqueTopic('cli-trim');
    expectExit(await topicCmd('create', topic, '-p', '2'), 0);
    for (const p of [0, 1]) expectSuccess(await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', String(p)], { stdin: 'a\nb\nc\nd\ne\n', timeoutMs: CLI_TIMEOUT_MS }));

    const trimmed = expectExit(await topicCmd('trim-prefix', topic, '-o', '3', '-p', '0', '--format', 'json'), 0);
    expect(JSON.parse(trimmed.stdout)).toEqual([{ topic, partition: 0, logStartOffset: 3, error: null }]);
    expect(await offsetsFromStart(topic, 0)).toEqual([3, 4]);
    expect(await offsetsFromStart(topic, 1)).toEqual([0, 1, 2, 3, 4]);

    // Past the high watermark: Kafka answers OFFSET_OUT_OF_RANGE and nothing moves.
    const past = expectExit(await topicCmd('trim-prefix', topic, '-o', '9', '-p', '0'), 1);
    expect(past.stderr).toContain('OFFSET_OUT_OF_RANGE');
    expect(await offsetsFromStart(topic, 0)).toEqual([3, 4]);

    expectExit(await topicCmd('trim-prefix', topic, '-o', 'end'), 0);
    expect(await offsetsFromStart(topic, 0)).toEqual([]);
    expect(await offsetsFromStart(topic, 1)).toEqual([]);
  });
});
