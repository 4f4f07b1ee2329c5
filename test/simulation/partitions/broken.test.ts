// The partition simulation's checker catches broken replicas (each planted in the real
// ReplicatedPartition through a seam it keeps for this):
// - a leader that answers acks=all when the batch is written, not committed: a failover then
//   loses acknowledged records;
// - a new leader that does not rebuild its producer state from the replicated log: a producer's
//   retry across a failover is appended a second time (a duplicate);
// - a high watermark at the log end instead of the commit: consumers read records that a new
//   leader's log then replaces;
// - DeleteRecords that moves only the leader's log start (no command in the log): the
//   followers never reach the low watermark it answered.
// And the same seeds pass on the real replica.

import { afterEach, expect, test } from 'bun:test';
import { ReplicatedPartition } from '../../../src/cluster/replica/replicated-partition.ts';
import { ProducerState } from '../../../src/transactions/producer-state.ts';
import { ManualClock } from '../../../src/base/clock.ts';
import { runPartitionSeeds } from './seeds.ts';

type Proto = Record<string, unknown>;
const proto = ReplicatedPartition.prototype as unknown as Proto;
const original = {
  commitDone: proto.commitDone,
  rebuildProducers: proto.rebuildProducers,
  deleteRecords: proto.deleteRecords,
  highWatermark: Object.getOwnPropertyDescriptor(ReplicatedPartition.prototype, 'highWatermark')!,
};
afterEach(() => {
  proto.commitDone = original.commitDone;
  proto.rebuildProducers = original.rebuildProducers;
  proto.deleteRecords = original.deleteRecords;
  Object.defineProperty(ReplicatedPartition.prototype, 'highWatermark', original.highWatermark);
});

const SEEDS = 40;
/** Frequent faults, so failovers happen while batches are in flight. */
const FAULTY = { params: { chaosIntervalMs: 15, downMsMax: 50 } };

async function failures(): Promise<string[]> {
  const r = await runPartitionSeeds(1, SEEDS, FAULTY);
  return r.failures.map((f) => f.error);
}

test('a leader answering acks=all at write loses acknowledged records, and the checker says so', async () => {
  proto.commitDone = () => true;
  const f = await failures();
  expect(f.filter((e) => /InvariantViolation: acknowledged record lost/.test(e)).length).toBeGreaterThan(0);
}, 120_000);

test('a new leader that does not rebuild its producer state duplicates retried batches, and the checker says so', async () => {
  const clock = new ManualClock();
  proto.rebuildProducers = () => new ProducerState({ clock });
  const f = await failures();
  expect(f.filter((e) => /InvariantViolation: (duplicate|out of sequence)/.test(e)).length).toBeGreaterThan(0);
}, 120_000);

test('a high watermark at the log end lets consumers read records that then vanish, and the checker says so', async () => {
  Object.defineProperty(ReplicatedPartition.prototype, 'highWatermark', {
    get(this: ReplicatedPartition) {
      return this.log.logEndOffset;
    },
  });
  const f = await failures();
  expect(f.filter((e) => /InvariantViolation: a record a consumer read vanished/.test(e)).length).toBeGreaterThan(0);
}, 120_000);

test('DeleteRecords that moves only the leader\'s log start leaves the followers below the low watermark it answered, and the run says so', async () => {
  proto.deleteRecords = async function (this: ReplicatedPartition, offset: number) {
    return { ok: true, lowWatermark: await this.compactTo(offset) };
  };
  const f = await failures();
  expect(f.filter((e) => /LivenessFailure: .* which DeleteRecords answered/.test(e)).length).toBeGreaterThan(0);
}, 120_000);

test('the same seeds pass on the real replica', async () => {
  const r = await runPartitionSeeds(1, SEEDS, FAULTY);
  expect(r.failures).toEqual([]);
  expect(r.totals.duplicates).toBeGreaterThan(0);
}, 120_000);
