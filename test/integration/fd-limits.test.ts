// File descriptors against the real executable: the node raises its soft fd limit to the hard
// one and logs both; and a durable node started under `ulimit -n 1024` creates and serves 10,000
// partitions (kafkajs creates and produces, confluent-kafka consumes 1,000 of them), holding a
// bounded number of descriptors, and does so again after a restart. Before the open-files
// cache every partition held its segment open, and EMFILE broke the node near 1,000.

import { afterAll, describe, expect, setDefaultTimeout } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { PYTHON_CLIENTS, pythonJson } from '../helpers/process.ts';
import { allOf, requirement, testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(300_000);

// /proc (the process's limits and descriptors) is Linux's; confluent-kafka comes from Debian.
const PROC = requirement(process.platform === 'linux', "Linux's /proc (a process's fd limits and descriptors)");

const brokers: Broker[] = [];
afterAll(async () => {
  for (const b of brokers) await b.dispose();
});

/** The soft and hard "Max open files" of a process, from /proc/<pid>/limits. */
function fdLimits(pid: number): { soft: number; hard: number } {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'))!;
  const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/).map(Number);
  return { soft, hard };
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Bun and Node cap the raise there (src/base/fd-limit.ts). */
const SOFT_RAISE_MAX = 1 << 20;

testRequiring(PROC, 'the node raises its soft fd limit to the hard limit at start and logs both', async () => {
  const b = await startBroker({ fdLimit: { n: 1024, soft: true } });
  brokers.push(b);
  const { soft, hard } = fdLimits(b.proc.pid);
  expect(soft).toBe(Math.min(hard, SOFT_RAISE_MAX));
  const logged = /fd limit: soft (\d+) -> (\d+) \(hard (\d+)\)/.exec(b.logs());
  expect(logged, b.logs()).not.toBeNull();
  expect(Number(logged![2])).toBe(soft);
  expect(Number(logged![3])).toBe(hard);
});

describe('10,000 partitions under ulimit -n 1024', () => {
  const PARTITIONS = 10_000;
  const FD_LIMIT = 1024;
  /**
   * Every tenth partition: 1,000 written, more segment files than the node keeps open under this
   * limit (512), so producing, consuming and reopening them goes through closing and reopening.
   */
  const spread = Array.from({ length: 1_000 }, (_, i) => i * 10);

  function kafka(b: Broker): Kafka {
    // Creating 10,000 partitions in one request takes seconds on a loaded machine.
    return new Kafka({ brokers: [b.bootstrap], logLevel: logLevel.NOTHING, requestTimeout: 120_000, retry: { retries: 2 } });
  }

  async function produce(b: Broker, topic: string, round: number): Promise<void> {
    const producer = kafka(b).producer();
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: spread.map((p) => ({ partition: p, value: `r${round}-p${p}` })) });
    } finally {
      await producer.disconnect();
    }
  }

  async function consumeSpread(b: Broker, topic: string, perPartition: number): Promise<Record<string, string[]>> {
    const r = await pythonJson<{ values: Record<string, string[]>; errors: string[] }>(
      'topic_limits_client.py',
      ['consume', b.bootstrap, topic, '--assign', spread.join(','), '--count', String(spread.length * perPartition), '--timeout', '90'],
      { timeoutMs: 120_000 },
    );
    expect(r.errors).toEqual([]);
    return r.values;
  }

  function expected(rounds: number): Record<string, string[]> {
    return Object.fromEntries(spread.map((p) => [String(p), Array.from({ length: rounds }, (_, r) => `r${r}-p${p}`)]));
  }

  testRequiring(allOf(PROC, PYTHON_CLIENTS), 'a durable node creates and serves them, and does again after a restart', async () => {
    const b = await startBroker({ dev: false, fdLimit: { n: FD_LIMIT }, readyTimeoutMs: 120_000, stopGraceMs: 60_000 });
    brokers.push(b);
    expect(fdLimits(b.proc.pid)).toEqual({ soft: FD_LIMIT, hard: FD_LIMIT });
    const topic = uniqueTopic('wide');
    const admin = kafka(b).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], timeout: 120_000 })).toBe(true);
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(md.topics[0].partitions.length).toBe(PARTITIONS);
    } finally {
      await admin.disconnect();
    }
    await produce(b, topic, 0);
    expect(await consumeSpread(b, topic, 1)).toEqual(expected(1));
    // Segment files are kept open up to half the fd limit; connections and the rest fit beside.
    expect(openFds(b.proc.pid)).toBeLessThan(FD_LIMIT * 0.75);

    await b.stop();
    expect(b.proc.exitCode).toBe(0); // a clean stop (SIGTERM handled, logs closed), not a SIGKILL
    await b.restart();
    expect(await consumeSpread(b, topic, 1)).toEqual(expected(1));
    await produce(b, topic, 1);
    expect(await consumeSpread(b, topic, 2)).toEqual(expected(2));
    expect(openFds(b.proc.pid)).toBeLessThan(FD_LIMIT * 0.75);
    expect(b.logs()).not.toMatch(/EMFILE|too many open files/i);
  });
});
