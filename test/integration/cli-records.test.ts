// `freshet topic produce` and `freshet topic consume` end to end: the compiled binary as broker
// and CLI, cross-checked with kcat (librdkafka), a client we did not write, in both directions:
// what one writes (keys, values, headers, partitions) the other reads intact. Where keyed
// records land is checked against librdkafka's murmur2_random partitioner, documented as the
// Java producer's default; committed group offsets against kafkajs' admin client.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { withAdmin } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { freePort } from '../helpers/ports.ts';
import { describeRun, expectSuccess, kcat, KCAT, KCAT_TOOL, parseJsonLines, run, type RunResult } from '../helpers/process.ts';
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

function topicCmd(args: string[], stdin?: string): Promise<RunResult> {
  return run([FRESHET_BIN, 'topic', ...args, '--brokers', broker.bootstrap], { timeoutMs: CLI_TIMEOUT_MS, stdin });
}

function expectExit(result: RunResult, code: number): RunResult {
  expect(result.timedOut, describeRun(result)).toBe(false);
  expect(result.exitCode, describeRun(result)).toBe(code);
  return result;
}

async function newTopic(prefix: string, partitions: number): Promise<string> {
  const topic = uniqueTopic(prefix);
  expectExit(await topicCmd(['create', topic, '-p', String(partitions)]), 0);
  return topic;
}

type JsonRecord = { topic: string; partition: number; offset: number; timestamp: number; key: string | null; value: string | null; headers: Array<{ key: string; value: string | null }> };

describe('freshet topic produce', () => {
  testRequiring(KCAT_TOOL, 'lines with -K and -H are read by kcat with keys, values and headers intact; piped, it prints nothing', async () => {
    const topic = await newTopic('cli-produce', 1);
    const produced = expectExit(await topicCmd(['produce', topic, '-K', '|', '-H', 'trace=t-1', '-H', 'empty=', '-p', '0'], 'k1|v1\nk2|v=2|x\nno-key\n|empty key\nlast|no newline'), 0);
    expect(produced.stdout).toBe('');
    expect(produced.stderr).toBe('');
    // kcat: -e exits at the end; %k the key, %s the value, %h the headers (kcat README).
    const read = expectSuccess(await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%p %o [%k] [%s] %K [%h]\\n'], { timeoutMs: CLI_TIMEOUT_MS }));
    expect(read.stdout.split('\n').filter((l) => l !== '')).toEqual([
      '0 0 [k1] [v1] 2 [trace=t-1,empty=]',
      '0 1 [k2] [v=2|x] 2 [trace=t-1,empty=]',
      '0 2 [] [no-key] -1 [trace=t-1,empty=]',
      '0 3 [] [empty key] 0 [trace=t-1,empty=]',
      '0 4 [last] [no newline] 4 [trace=t-1,empty=]',
    ]);
  });

  test('a line is sent as soon as it is read, before stdin ends (tail -f | freshet topic produce)', async () => {
    const topic = await newTopic('cli-produce-stream', 1);
    const producer = Bun.spawn([FRESHET_BIN, 'topic', 'produce', topic, '--brokers', broker.bootstrap], { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' });
    try {
      producer.stdin.write('first\n');
      await producer.stdin.flush();
      // Read while the producer still runs with stdin open.
      expect(expectExit(await topicCmd(['consume', topic, '-n', '1']), 0).stdout).toBe('first\n');
      expect(producer.exitCode).toBeNull();
      await producer.stdin.end();
      expect(await producer.exited).toBe(0);
    } finally {
      producer.kill();
    }
  });

  testRequiring(KCAT_TOOL, "keyed records land on the partition librdkafka's murmur2_random (the Java producer's default) picks", async () => {
    const ours = await newTopic('cli-keys-ours', 6);
    const theirs = await newTopic('cli-keys-kcat', 6);
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    const lines = keys.map((k) => `${k}:v`).join('\n') + '\n';
    const summary = JSON.parse(expectExit(await topicCmd(['produce', ours, '-K', ':', '--format', 'json'], lines), 0).stdout) as { records: number; partitions: Array<{ partition: number; records: number }> };
    expect(summary.records).toBe(30);
    expectSuccess(await kcat(['-b', broker.bootstrap, '-P', '-t', theirs, '-K', ':', '-X', 'partitioner=murmur2_random'], { stdin: lines, timeoutMs: CLI_TIMEOUT_MS }));
    const placement = async (topic: string): Promise<Map<string, number>> => {
      const r = expectSuccess(await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%k %p\\n'], { timeoutMs: CLI_TIMEOUT_MS }));
      return new Map(r.stdout.split('\n').filter((l) => l !== '').map((l) => [l.split(' ')[0], Number(l.split(' ')[1])] as const));
    };
    const [a, b] = [await placement(ours), await placement(theirs)];
    expect(a.size).toBe(30);
    expect(new Set(a.values()).size).toBeGreaterThan(1);
    expect([...a].sort()).toEqual([...b].sort());
    // The summary counts what kcat finds in each partition.
    const counted = new Map<number, number>();
    for (const p of a.values()) counted.set(p, (counted.get(p) ?? 0) + 1);
    expect(summary.partitions).toEqual([...counted].sort((x, y) => x[0] - y[0]).map(([partition, records]) => ({ partition, records })));
  });

  testRequiring(KCAT_TOOL, 'an unknown topic is created as a producer asks for it, when the broker allows (--dev)', async () => {
    const topic = uniqueTopic('cli-produce-auto');
    expectExit(await topicCmd(['produce', topic], 'x\n'), 0);
    const read = expectSuccess(await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-e', '-q'], { timeoutMs: CLI_TIMEOUT_MS }));
    expect(read.stdout).toBe('x\n');
  });

  test('exit codes: 2 for usage (no topic, -p out of range), 1 for no broker', async () => {
    expect(expectExit(await topicCmd(['produce'], ''), 2).stderr).toContain('missing TOPIC');
    const topic = await newTopic('cli-produce-codes', 2);
    expect(expectExit(await topicCmd(['produce', topic, '-p', '5'], 'x\n'), 2).stderr).toContain('has 2 partitions');
    const closed = await freePort();
    expectExit(await run([FRESHET_BIN, 'topic', 'produce', topic, '--brokers', `127.0.0.1:${closed}`], { stdin: 'x\n', timeoutMs: CLI_TIMEOUT_MS }), 1);
  });
});

describe('freshet topic consume', () => {
  testRequiring(KCAT_TOOL, 'records kcat produced are read with -n, keys and headers intact, as JSON lines', async () => {
    const topic = await newTopic('cli-consume', 1);
    expectSuccess(await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-K', ':', '-H', 'h1=one', '-H', 'h2=two'], { stdin: 'a:1\nb:2\nc:3\n', timeoutMs: CLI_TIMEOUT_MS }));
    const got = parseJsonLines<JsonRecord>(expectExit(await topicCmd(['consume', topic, '-n', '2', '--format', 'json']), 0).stdout);
    expect(got.map((r) => [r.offset, r.key, r.value])).toEqual([
      [0, 'a', '1'],
      [1, 'b', '2'],
    ]);
    expect(got[0].headers).toEqual([
      { key: 'h1', value: 'one' },
      { key: 'h2', value: 'two' },
    ]);
    expect(got[0].topic).toBe(topic);
    // Without -n or -f: everything up to the end, then exit 0. -F with kcat's tokens.
    const all = expectExit(await topicCmd(['consume', topic, '-F', '%o:%k=%v %h\\n']), 0);
    expect(all.stdout).toBe('0:a=1 h1=one,h2=two\n1:b=2 h1=one,h2=two\n2:c=3 h1=one,h2=two\n');
    expect(all.stderr).toBe('');
  });

  testRequiring(KCAT_TOOL, 'binary values kcat produced come out of -F byte for byte', async () => {
    const topic = await newTopic('cli-binary', 1);
    const value = new Uint8Array([0x00, 0xff, 0xfe, 0x80, 0x7f, 0xc3]);
    const producer = Bun.spawn([KCAT, '-b', broker.bootstrap, '-P', '-t', topic], { stdin: new Blob([value, new Uint8Array([0x0a])]), stdout: 'ignore', stderr: 'pipe' });
    expect(await producer.exited).toBe(0);
    const consumer = Bun.spawn([FRESHET_BIN, 'topic', 'consume', topic, '-n', '1', '-F', '%v', '--brokers', broker.bootstrap], { stdout: 'pipe', stderr: 'pipe' });
    const out = new Uint8Array(await new Response(consumer.stdout).arrayBuffer());
    expect(await consumer.exited).toBe(0);
    expect([...out]).toEqual([...value]);
  });

  test('a reader that stops early (| head -1) ends consume quietly with exit 0, even with more than a pipe buffer to write', async () => {
    const topic = await newTopic('cli-head', 1);
    // 20,000 lines, 108,894 bytes: more than a 64 KiB pipe buffer holds once head is gone.
    expectExit(await topicCmd(['produce', topic], Array.from({ length: 20_000 }, (_, i) => `${i + 1}`).join('\n') + '\n'), 0);
    for (const follow of [[], ['-f']]) {
      const r = await run(['/bin/bash', '-c', `set -o pipefail; "$0" topic consume "$1" --brokers "$2" ${follow.join(' ')} | head -1`, FRESHET_BIN, topic, broker.bootstrap], { timeoutMs: CLI_TIMEOUT_MS });
      expectExit(r, 0);
      expect(r.stdout).toBe('1\n');
      expect(r.stderr).toBe('');
    }
  });

  test('-o start, end, OFFSET, -N and @TIMESTAMP', async () => {
    const topic = await newTopic('cli-offsets', 1);
    expectExit(await topicCmd(['produce', topic], 'a\nb\n'), 0);
    await Bun.sleep(20);
    const between = Date.now();
    await Bun.sleep(20);
    expectExit(await topicCmd(['produce', topic], 'c\nd\n'), 0);
    expect(expectExit(await topicCmd(['consume', topic, '-o', 'start']), 0).stdout).toBe('a\nb\nc\nd\n');
    expect(expectExit(await topicCmd(['consume', topic, '-o', '2']), 0).stdout).toBe('c\nd\n');
    // kcat's -o -N: N before the end; more than the partition holds starts at its beginning.
    expect(expectExit(await topicCmd(['consume', topic, '-o', '-1']), 0).stdout).toBe('d\n');
    expect(expectExit(await topicCmd(['consume', topic, '-o', '-9']), 0).stdout).toBe('a\nb\nc\nd\n');
    // ListOffsets by time: the first record whose timestamp is at or after it (KIP-79).
    expect(expectExit(await topicCmd(['consume', topic, '-o', `@${between}`]), 0).stdout).toBe('c\nd\n');
    expect(expectExit(await topicCmd(['consume', topic, '-o', 'end']), 0).stdout).toBe('');
    // -o end -n 1 waits for the next record written.
    const waiting = topicCmd(['consume', topic, '-o', 'end', '-n', '1']);
    await Bun.sleep(1500);
    expectExit(await topicCmd(['produce', topic], 'e\n'), 0);
    expect(expectExit(await waiting, 0).stdout).toBe('e\n');
  });

  test('-g: a group member commits what it printed; the next run resumes there (offsets read by kafkajs)', async () => {
    const topic = await newTopic('cli-group', 2);
    const group = uniqueTopic('cli-group-g');
    expectExit(await topicCmd(['produce', topic, '-K', ':'], Array.from({ length: 10 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n'), 0);
    const first = parseJsonLines<JsonRecord>(expectExit(await topicCmd(['consume', topic, '-g', group, '-n', '4', '--format', 'json']), 0).stdout);
    expect(first.length).toBe(4);
    const rest = parseJsonLines<JsonRecord>(expectExit(await topicCmd(['consume', topic, '-g', group, '--format', 'json']), 0).stdout);
    expect([...first, ...rest].map((r) => r.value).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
    const committed = await withAdmin(broker.bootstrap, (admin) => admin.fetchOffsets({ groupId: group, topics: [topic] }));
    const offsets = committed[0].partitions.map((p) => Number(p.offset)).reduce((x, y) => x + y, 0);
    expect(offsets).toBe(10);
  });

  test('-f follows until SIGTERM, then exits 0', async () => {
    const topic = await newTopic('cli-follow', 1);
    const proc = Bun.spawn([FRESHET_BIN, 'topic', 'consume', topic, '-f', '--brokers', broker.bootstrap], { stdout: 'pipe', stderr: 'pipe' });
    let out = '';
    const reading = (async () => {
      for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
    })();
    expectExit(await topicCmd(['produce', topic], 'one\n'), 0);
    for (let i = 0; i < 200 && !out.includes('one\n'); i++) await Bun.sleep(25);
    expectExit(await topicCmd(['produce', topic], 'two\n'), 0);
    for (let i = 0; i < 200 && !out.includes('two\n'); i++) await Bun.sleep(25);
    expect(proc.exitCode).toBeNull();
    proc.kill('SIGTERM');
    await proc.exited;
    await reading;
    expect(out).toBe('one\ntwo\n');
    expect(proc.exitCode).toBe(0);
  });

  test('exit codes: 2 for usage mistakes (before connecting), 1 for an unknown topic', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const usage = (args: string[]) => run([FRESHET_BIN, 'topic', 'consume', ...args, '--brokers', closed], { timeoutMs: CLI_TIMEOUT_MS });
    expect(expectExit(await usage(['t', '-o', 'soon']), 2).stderr).toContain('-o takes start, end');
    expect(expectExit(await usage(['t', '-n', '0']), 2).stderr).toContain('--count must be an integer >= 1');
    expect(expectExit(await usage(['t', '-g', 'g', '-o', '5']), 2).stderr).toContain('cannot be used with -g');
    expect(expectExit(await usage(['t', '-F', '%q']), 2).stderr).toContain("unknown token '%q'");
    expect(expectExit(await usage([]), 2).stderr).toContain('missing TOPIC');
    expect(expectExit(await topicCmd(['consume', uniqueTopic('cli-no-such')]), 1).stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');
  });
});
