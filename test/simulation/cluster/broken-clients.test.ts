// The Kafka clients of the cluster simulation catch broken replicas and brokers (each planted
// in the real code through the seams the partition simulation's broken replicas use, or around
// the broker's Fetch path), on seeds of the sweep in cluster-sim.test.ts, which pass on the
// real nodes:
// - a leader that answers acks=all when the batch is written, not committed: a failover then
//   loses acknowledged records;
// - a new leader that does not rebuild its producer state from the replicated log: a
//   producer's retry across a failover is appended a second time;
// - a high watermark at the log end instead of the commit: the consumer reads records that a
//   new leader's log then replaces;
// - a broker whose Fetch reads past the high watermark it answers: the consumer sees it;
// - a group coordinator that loads its offsets without the last record it committed: after a
//   failover of __consumer_offsets, the group's committed offset goes back.

import { afterAll, afterEach, beforeAll, expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { Broker } from '../../../src/broker/broker.ts';
import { BrokerStateLog } from '../../../src/broker/broker-state-log.ts';
import { ReplicatedPartition } from '../../../src/cluster/replica/replicated-partition.ts';
import { ProducerState } from '../../../src/transactions/producer-state.ts';
import { ClusterSim } from './cluster-sim.ts';
import { failureText } from '../seed-sweep.ts';
import { runClusterSeed, runClusterSeeds } from './seeds.ts';

type Proto = Record<string, unknown>;
const proto = ReplicatedPartition.prototype as unknown as Proto;
const original = {
  commitDone: proto.commitDone,
  rebuildProducers: proto.rebuildProducers,
  highWatermark: Object.getOwnPropertyDescriptor(ReplicatedPartition.prototype, 'highWatermark')!,
  readable: Broker.prototype.readable,
  readPartitions: BrokerStateLog.prototype.readPartitions,
};

let restoreLogs: () => void = () => {};
beforeAll(() => {
  restoreLogs = ClusterSim.quietLogs();
});
afterAll(() => restoreLogs());
afterEach(() => {
  proto.commitDone = original.commitDone;
  proto.rebuildProducers = original.rebuildProducers;
  Object.defineProperty(ReplicatedPartition.prototype, 'highWatermark', original.highWatermark);
  Broker.prototype.readable = original.readable;
  BrokerStateLog.prototype.readPartitions = original.readPartitions;
});

/** Seeds 1..SEEDS with the clients, which pass on the real nodes (the first 8 in cluster-sim.test.ts, all in the long mode). */
const SEEDS = 16;

/** The seeds in turn until one fails as `caught` says: its failure, or every failure seen if none did. */
async function firstCaught(caught: RegExp): Promise<string[]> {
  const seen: string[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    try {
      await runClusterSeed(seed, { clients: true });
    } catch (e) {
      const failure = failureText(e);
      if (caught.test(failure)) return [failure];
      seen.push(`seed ${seed}: ${failure}`);
    }
  }
  return seen;
}

test('a leader answering acks=all at write loses acknowledged records, and the clients\' checker says so', async () => {
  proto.commitDone = () => true;
  const caught = /^InvariantViolation: acknowledged record lost: p\d+s\d+ was acknowledged at \d+ of partition \d/;
  expect(await firstCaught(caught)).toEqual([expect.stringMatching(caught)]);
}, 60_000);

test('a new leader that does not rebuild its producer state duplicates retried batches, and the clients\' checker says so', async () => {
  const clock = new ManualClock();
  proto.rebuildProducers = () => new ProducerState({ clock });
  const caught = /^InvariantViolation: (duplicate|out of sequence): partition \d/;
  expect(await firstCaught(caught)).toEqual([expect.stringMatching(caught)]);
}, 60_000);

test('a high watermark at the log end lets the consumer read records that then vanish, and the clients\' checker says so', async () => {
  Object.defineProperty(ReplicatedPartition.prototype, 'highWatermark', {
    get(this: ReplicatedPartition) {
      return this.log.logEndOffset;
    },
  });
  const caught = /^InvariantViolation: a record a consumer read vanished: p\d+s\d+ at \d+ of partition \d/;
  expect(await firstCaught(caught)).toEqual([expect.stringMatching(caught)]);
}, 60_000);

test('a broker whose Fetch reads past the high watermark it answers: the consumer sees it', async () => {
  Broker.prototype.readable = function (this: Broker, topic: string, index: number) {
    const p = original.readable.call(this, topic, index);
    if (p === undefined || this.replica(topic, index) === undefined) return p;
    const log = p.log;
    const read: typeof log.read = (offset, maxBytes, options) => log.read(offset, maxBytes, { minOneBatch: options?.minOneBatch ?? false });
    return new Proxy(p, { get: (t, k) => (k === 'log' ? new Proxy(log, { get: (l, k2) => (k2 === 'read' ? read : Reflect.get(l, k2)) }) : Reflect.get(t, k)) });
  };
  const r = await runClusterSeeds(1, 4, { clients: true });
  expect(r.failures.length).toBe(4);
  for (const f of r.failures) expect(f.error).toMatch(/^InvariantViolation: n\d served offset \d+ of partition \d past the high watermark \d+ it answered/);
}, 60_000);

test('a group coordinator that loads its offsets without the last record: a committed offset goes back, and the consumer sees it', async () => {
  BrokerStateLog.prototype.readPartitions = function* (this: BrokerStateLog, indexes: readonly number[]) {
    const all = [...original.readPartitions.call(this, indexes)];
    yield* all.slice(0, -1);
  };
  const caught = /^InvariantViolation: group orders-readers's committed offset of partition \d went back: -?\d+, after a commit of \d+ was acknowledged/;
  expect(await firstCaught(caught)).toEqual([expect.stringMatching(caught)]);
}, 60_000);
