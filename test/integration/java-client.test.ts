// Kafka's own Java client (kafka-clients 4.4 from Maven Central, test/clients/pom.xml) against
// the real executable, through the programs in java/: the KIP-848 consumer
// (group.protocol=consumer) committing through rebalances, losing a deleted topic, changing its
// subscription; and a transactional producer, refused at once while transactions are missing.
// Skipped (visibly) without the client; under CI=true that fails instead (helpers/installed.ts).

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { available } from '../helpers/requirements.ts';
import { JAVA_CLIENT, javaJson } from '../helpers/java.ts';
import { uniqueTopic } from '../helpers/names.ts';

/** Rounds of the 3-consumer scenario: each one failed a commitSync() before KIP-1251's rule. */
const ROUNDS = 5;
/** RebalanceCommits' steps per round (three joins, one leave) and commits per member per step. */
const STEPS_PER_ROUND = 4;
const COMMITS_PER_STEP = 3;
/** The producer's max.block.ms in the transactions test: a retried error would end in a TimeoutException then. */
const MAX_BLOCK_MS = 30_000;

type Round = { group: string; commitsOk: number; failures: string[]; error: string | null };
type Step = { step: string; assignment: string[]; consumed?: number };
type Steps = { steps: Step[]; error: string | null };


describe.skipIf(!available(JAVA_CLIENT))('Kafka Java client, group.protocol=consumer (KIP-848)', () => {
  let broker: Broker;
  beforeAll(async () => {
    // Heartbeats every 500 ms instead of 5 s: each rebalance takes a few of them.
    broker = await startBroker({ settings: { 'group.consumer.heartbeat.interval.ms': '500' } });
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  test(`3 consumers join and leave while committing (${ROUNDS} rounds): every commitSync() succeeds`, async () => {
    const topic = uniqueTopic('java-commits');
    const r = await javaJson<{ rounds: Round[]; commitsOk: number; failures: number }>(
      'RebalanceCommits',
      [broker.bootstrap, topic, '6', `${topic}-group`, String(ROUNDS)],
      240_000,
    );
    expect(r.rounds.map((round) => round.error)).toEqual(Array(ROUNDS).fill(null));
    // A commit sent with the epoch a heartbeat has just bumped is the client's normal case.
    expect(r.rounds.flatMap((round) => round.failures)).toEqual([]);
    for (const round of r.rounds) expect(round.commitsOk).toBeGreaterThanOrEqual(STEPS_PER_ROUND * COMMITS_PER_STEP);
  }, 300_000);

  test('subscribed to two topics, one is deleted: the consumer keeps the other and goes on consuming', async () => {
    const prefix = uniqueTopic('java-deleted');
    const r = await javaJson<Steps>('TopicChanges', ['deleted-topic', broker.bootstrap, prefix]);
    expect(r.error).toBeNull();
    expect(r.steps.map((s) => [s.step, s.assignment, s.consumed])).toEqual([
      ['subscribed to a and b', partitions(prefix, 'a', 'b'), 60],
      ['b deleted', partitions(prefix, 'a'), 30],
    ]);
  }, 120_000);

  test('subscribe(a), then (b), then (a, b), then a broker-side regex: the assignment follows', async () => {
    const prefix = uniqueTopic('java-resub');
    const r = await javaJson<Steps>('TopicChanges', ['resubscribe', broker.bootstrap, prefix]);
    expect(r.error).toBeNull();
    expect(r.steps.map((s) => [s.step, s.assignment, s.consumed])).toEqual([
      ['subscribe(a)', partitions(prefix, 'a'), 30],
      ['subscribe(b)', partitions(prefix, 'b'), 30],
      ['subscribe(a, b)', partitions(prefix, 'a', 'b'), 60],
      ['subscribe(pattern b)', partitions(prefix, 'b'), 30],
    ]);
  }, 120_000);

  test('initTransactions() fails at once with a clear error instead of retrying until max.block.ms', async () => {
    const r = await javaJson<{ failed: boolean; exception: string; message: string; elapsedMs: number }>(
      'TransactionsInit',
      [broker.bootstrap, uniqueTopic('java-txn'), String(MAX_BLOCK_MS)],
    );
    // A retried error ends in org.apache.kafka.common.errors.TimeoutException after max.block.ms;
    // a fatal one is a KafkaException carrying the broker's message.
    expect([r.failed, r.exception]).toEqual([true, 'org.apache.kafka.common.KafkaException']);
    expect(r.message).toContain('Could not find a coordinator with type TRANSACTION');
    expect(r.message).toContain('Transactions are not supported by this broker yet');
  }, 120_000);
});

/** "topic-partition" names of PARTITIONS (3) partitions of each topic PREFIX-suffix, sorted. */
function partitions(prefix: string, ...suffixes: string[]): string[] {
  return suffixes.flatMap((s) => [0, 1, 2].map((p) => `${prefix}-${s}-${p}`)).sort();
}
