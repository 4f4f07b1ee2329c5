// ReplicatedPartition and ReplicaBackend on one node (a single-voter group elects itself and
// commits alone; a three-voter group on a lonely node never leads): the idempotent producer's
// answers, acks=1 before and acks=all after the commit, reads bounded by the high watermark,
// the KIP-320 epoch checks, not-leader answers with what the replica knows, a failed fsync
// turning into KAFKA_STORAGE_ERROR, compaction at batch boundaries, and the backend creating,
// keeping and removing replicas. The cluster behaviour is the simulation's
// (test/simulation/partitions).

import { expect, test } from 'bun:test';
import { ManualClock } from '../../../../src/base/clock.ts';
import { Prng } from '../../../../src/base/prng.ts';
import { SimScheduler } from '../../../../src/base/scheduler.ts';
import { ReplicaBackend, type DesiredReplica } from '../../../../src/cluster/replica/replica-backend.ts';
import { decodeLogStart, encodeLogStartBatch } from '../../../../src/cluster/replica/log-start.ts';
import type { ReplicaAppend } from '../../../../src/cluster/replica/replicated-partition.ts';
import { effectiveTopicConfig } from '../../../../src/config/topic-config.ts';
import { ErrorCode } from '../../../../src/protocol/errors.ts';
import { BatchHeader } from '../../../../src/protocol/records/batch.ts';
import { crc32c } from '../../../../src/protocol/records/crc32c.ts';
import { buildBatch } from '../../../../src/protocol/records/records.ts';
import { QuorumStateJournal } from '../../../../src/raft/quorum-state.ts';
import { RaftGroups } from '../../../../src/raft/raft-groups.ts';
import type { LogConfig } from '../../../../src/storage/config.ts';
import { SimStorageFs } from '../../../../src/storage/sim-fs.ts';
import { SimLoop } from '../../../simulation/sim-loop.ts';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

function node(fsyncMs = 1, logConfig: Partial<LogConfig> = {}) {
  const clock = new ManualClock();
  const scheduler = new SimScheduler(clock);
  const loop = new SimLoop(scheduler);
  const disk = new SimStorageFs({ scheduler, fsyncLatencyMs: { min: fsyncMs, max: fsyncMs, random: new Prng(1) } });
  return { clock, scheduler, loop, disk, ...life(clock, scheduler, disk, logConfig) };
}

/** One life of the node on its disk: its journal, RaftGroups and replicas. */
function life(clock: ManualClock, scheduler: SimScheduler, disk: SimStorageFs, logConfig: Partial<LogConfig> = {}) {
  const groups = new RaftGroups({
    nodeId: 1,
    scheduler,
    random: new Prng(2),
    transport: { send: () => {}, onMessages: () => {} },
    journal: QuorumStateJournal.open(disk, '/d/raft'),
    tickMs: 10,
  });
  const backend = new ReplicaBackend({ dataDir: '/d', groups, clock, logDeps: { fs: disk, clock, crc32c }, logConfig: () => logConfig });
  groups.start();
  return { groups, backend };
}

function desired(partition: number, replicas: number[], minInsync = 1): DesiredReplica {
  return { topicId: TOPIC_ID, topicName: 't', partition, replicas, config: effectiveTopicConfig({ 'min.insync.replicas': String(minInsync) }, new Map()) };
}

const batch = (producerId: number, producerEpoch: number, baseSequence: number, count = 1) =>
  buildBatch({ producerId, producerEpoch, baseSequence, records: Array.from({ length: count }, (_, i) => ({ value: `v${baseSequence + i}` })) });

/** A node leading partition 0 alone. */
async function leaderAlone(minInsync = 1, logConfig: Partial<LogConfig> = {}) {
  const n = node(1, logConfig);
  await n.backend.reconcile([desired(0, [1], minInsync)]);
  const r = n.backend.get(TOPIC_ID, 0)!;
  await n.loop.until(() => r.isLeader && r.highWatermark === 1, 1000, 'elected, its leader_change committed');
  return { ...n, r };
}

/** kill -9 of the lone leader's node (after its flush), then a new life on the same disk: its replica of partition 0 reopened. */
async function crashAndReopen(n: Awaited<ReturnType<typeof leaderAlone>>) {
  await n.loop.advance(20); // flushed
  n.groups.stop();
  n.disk.crash();
  const again = life(n.clock, n.scheduler, n.disk);
  await n.loop.run(again.backend.reconcile([desired(0, [1])]), 1000, 'the reopen');
  return again.backend.get(TOPIC_ID, 0)!;
}

async function settled(n: { loop: SimLoop }, p: Promise<ReplicaAppend>): Promise<ReplicaAppend> {
  return n.loop.run(p, 1000, 'the append');
}

test('acks=all is answered once committed, at the offsets the batch got; reads stop at the high watermark', async () => {
  const n = await leaderAlone();
  const p = n.r.append(batch(7, 0, 0, 3), -1);
  expect(n.r.logEndOffset).toBe(4); // written through at once
  expect(n.r.highWatermark).toBe(1); // not committed before its fsync
  expect(n.r.read(1, 1 << 20, -1)).toMatchObject({ ok: true, nextOffset: 1, highWatermark: 1 });
  expect(await settled(n, p)).toMatchObject({ ok: true, baseOffset: 1, lastOffset: 3, duplicate: false });
  expect(n.r.highWatermark).toBe(4);
  expect(n.r.read(1, 1 << 20, -1)).toMatchObject({ ok: true, nextOffset: 4, highWatermark: 4, logStartOffset: 0 });
});

test('acks=1 is answered before the commit', async () => {
  const n = await leaderAlone();
  const p = n.r.append(batch(7, 0, 0), 1);
  const answers: ReplicaAppend[] = [];
  void p.then((a) => answers.push(a));
  await n.loop.settle();
  expect(answers[0]).toMatchObject({ ok: true, baseOffset: 1, lastOffset: 1, duplicate: false });
  expect(n.r.highWatermark).toBe(1);
});

test("idempotence: a retry gets the original's offsets, a gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an old epoch INVALID_PRODUCER_EPOCH", async () => {
  const n = await leaderAlone();
  expect(await settled(n, n.r.append(batch(7, 1, 0, 2), -1))).toMatchObject({ ok: true, baseOffset: 1, lastOffset: 2 });
  expect(await settled(n, n.r.append(batch(7, 1, 0, 2), -1))).toMatchObject({ ok: true, baseOffset: 1, lastOffset: 2, duplicate: true });
  expect(n.r.logEndOffset).toBe(3);
  const gap = await settled(n, n.r.append(batch(7, 1, 5), -1));
  expect(gap.ok === false && gap.error.code).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  const old = await settled(n, n.r.append(batch(7, 0, 2), -1));
  expect(old.ok === false && old.error.code).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  expect(await settled(n, n.r.append(batch(7, 1, 2), -1))).toMatchObject({ ok: true, baseOffset: 3, duplicate: false });
});

test('DescribeProducers: the leader lists the producers it deduplicates for, with their last sequence; a non-leader refuses', async () => {
  const n = await leaderAlone();
  await settled(n, n.r.append(batch(7, 2, 0, 3), -1));
  await settled(n, n.r.append(batch(8, 0, 0, 1), 1));
  const d = n.r.activeProducers();
  expect(d.ok && d.producers.map((e) => [e.producerId, e.producerEpoch, e.lastSeq])).toEqual([[7, 2, 2], [8, 0, 0]]);
  const follower = node();
  await follower.loop.run(follower.backend.reconcile([desired(0, [1, 2, 3])]), 1000);
  expect(follower.backend.get(TOPIC_ID, 0)!.activeProducers()).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_LEADER_OR_FOLLOWER } });
});

test('two batches in one append take consecutive offsets, and the producer state records both', async () => {
  const n = await leaderAlone();
  const records = new Uint8Array([...batch(7, 0, 0, 2), ...batch(7, 0, 2, 1)]);
  expect(await settled(n, n.r.append(records, -1))).toMatchObject({ ok: true, baseOffset: 1, lastOffset: 3, duplicate: false });
  expect(await settled(n, n.r.append(batch(7, 0, 2, 1), -1))).toMatchObject({ ok: true, baseOffset: 3, duplicate: true });
});

test("a duplicate answers the original's max timestamp (Produce's logAppendTimeMs on a LogAppendTime topic)", async () => {
  const n = await leaderAlone();
  const stamped = (ts: number) => buildBatch({ producerId: 7, producerEpoch: 0, baseSequence: 0, records: [{ value: 'v', timestamp: ts }] });
  expect(await settled(n, n.r.append(stamped(1_000), -1))).toMatchObject({ ok: true, duplicate: false, maxTimestamp: 1_000 });
  expect(await settled(n, n.r.append(stamped(2_000), -1))).toMatchObject({ ok: true, duplicate: true, maxTimestamp: 1_000 });
});

test('min.insync.replicas above the replicas in sync: acks=all is NOT_ENOUGH_REPLICAS before anything is appended, acks=1 goes on', async () => {
  const n = await leaderAlone(2);
  const refused = await settled(n, n.r.append(batch(7, 0, 0), -1));
  expect(refused.ok === false && refused.error.code).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
  expect(n.r.logEndOffset).toBe(1);
  expect(n.r.inSyncReplicas()).toEqual([1]);
  expect(await settled(n, n.r.append(batch(7, 0, 0), 1))).toMatchObject({ ok: true, baseOffset: 1 });
});

test("the client's leader epoch: older is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH; OffsetForLeaderEpoch answers from the log", async () => {
  const n = await leaderAlone();
  const epoch = n.r.leaderEpoch;
  expect(n.r.read(0, 100, epoch - 1)).toMatchObject({ ok: false, error: { code: ErrorCode.FENCED_LEADER_EPOCH } });
  expect(n.r.read(0, 100, epoch + 1)).toMatchObject({ ok: false, error: { code: ErrorCode.UNKNOWN_LEADER_EPOCH } });
  expect(n.r.read(0, 100, epoch)).toMatchObject({ ok: true });
  await settled(n, n.r.append(batch(7, 0, 0, 2), -1));
  expect(n.r.endOffsetForEpoch(epoch, epoch)).toEqual({ ok: true, epoch, endOffset: 3 });
  expect(n.r.endOffsetForEpoch(epoch, epoch - 1)).toMatchObject({ ok: false, error: { code: ErrorCode.FENCED_LEADER_EPOCH } });
  expect(n.r.read(10, 100, -1)).toMatchObject({ ok: false, error: { code: ErrorCode.OFFSET_OUT_OF_RANGE } });
});

test('a replica that does not lead answers NOT_LEADER_OR_FOLLOWER with the leader and epoch it knows', async () => {
  const n = node();
  await n.backend.reconcile([desired(0, [1, 2, 3])]);
  const r = n.backend.get(TOPIC_ID, 0)!;
  await n.loop.advance(500);
  const a = await settled(n, r.append(batch(7, 0, 0), -1));
  expect(a).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_LEADER_OR_FOLLOWER }, currentLeader: { leaderId: -1 } });
  expect(r.read(0, 100, -1)).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_LEADER_OR_FOLLOWER } });
  expect(r.inSyncReplicas()).toBeNull();
  expect(r.isLeader).toBe(false);
});

test('a failed fsync stops the group: the waiting acks=all append and everything after get KAFKA_STORAGE_ERROR', async () => {
  const n = await leaderAlone();
  n.disk.failFsyncs = 1;
  const waiting = await settled(n, n.r.append(batch(7, 0, 0), -1));
  expect(waiting.ok === false && waiting.error.code).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
  expect(n.r.storageFailure).not.toBeNull();
  const after = await settled(n, n.r.append(batch(8, 0, 0), 1));
  expect(after.ok === false && after.error.code).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
  expect(n.r.read(0, 100, -1)).toMatchObject({ ok: false, error: { code: ErrorCode.KAFKA_STORAGE_ERROR } });
});

test('compaction moves the log start to a batch boundary at or below the offset, never past the high watermark', async () => {
  const n = await leaderAlone();
  await settled(n, n.r.append(batch(7, 0, 0, 3), -1)); // [1..3]
  await settled(n, n.r.append(batch(7, 0, 3, 2), -1)); // [4..5]
  expect(await n.loop.run(n.r.compactTo(3), 1000)).toBe(1); // 3 is inside [1..3]: keep that batch
  expect(await n.loop.run(n.r.compactTo(4), 1000)).toBe(4);
  expect(await n.loop.run(n.r.compactTo(100), 1000)).toBe(6); // up to the high watermark
  expect(n.r.logStartOffset).toBe(6);
  // The producer state survives on the leader: a retry is still a duplicate.
  expect(await settled(n, n.r.append(batch(7, 0, 3, 2), -1))).toMatchObject({ ok: true, baseOffset: 4, duplicate: true });
});

test('DeleteRecords is a command in the log: once committed the log start moves to a batch boundary at or below the offset, and a restart keeps it', async () => {
  const n = await leaderAlone();
  await settled(n, n.r.append(batch(7, 0, 0, 3), -1)); // [1..3]
  await settled(n, n.r.append(batch(7, 0, 3, 2), -1)); // [4..5]
  expect(await n.loop.run(n.r.deleteRecords(3), 1000)).toEqual({ ok: true, lowWatermark: 1 }); // 3 is inside [1..3]: keep that batch
  expect(await n.loop.run(n.r.deleteRecords(4), 1000)).toEqual({ ok: true, lowWatermark: 4 });
  expect(await n.loop.run(n.r.deleteRecords(2), 1000)).toEqual({ ok: true, lowWatermark: 4 }); // below the start: nothing to do
  // Each command is an entry of the log after what it deletes: a control batch Kafka clients skip.
  expect(n.r.highWatermark).toBe(8);
  const command = n.r.driver.raft.entryHolding(7)!;
  expect(command.kind).toBe('data'); // to Raft, an ordinary entry
  if (command.kind === 'data') {
    expect(new BatchHeader(command.payload).isControl).toBe(true);
    expect(decodeLogStart(command.payload)).toBe(4);
  }
  expect(n.r.read(4, 1 << 20, -1)).toMatchObject({ ok: true });
  const r = await crashAndReopen(n);
  await n.loop.until(() => r.isLeader && r.highWatermark === 9, 1000, 'elected again, its leader_change committed');
  expect(r.logStartOffset).toBe(4);
});

test('DeleteRecords on a replica that does not lead is NOT_LEADER_OR_FOLLOWER, and nothing is proposed', async () => {
  const n = node();
  await n.backend.reconcile([desired(0, [1, 2, 3])]); // three voters on a lonely node: never leads
  const r = n.backend.get(TOPIC_ID, 0)!;
  const answer = await n.loop.run(r.deleteRecords(1), 1000);
  expect(answer).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_LEADER_OR_FOLLOWER } });
  expect(r.logEndOffset).toBe(0);
});

test('the log start command: its bytes decode to the offset; data batches, Raft\'s control batches and transaction markers are not commands', () => {
  expect(decodeLogStart(encodeLogStartBatch(0))).toBe(0);
  expect(decodeLogStart(encodeLogStartBatch(2 ** 40))).toBe(2 ** 40);
  expect(decodeLogStart(batch(7, 0, 0))).toBeNull();
  const marker = (type: number) => buildBatch({ control: true, records: [{ key: new Uint8Array([0, 0, 0, type]), value: new Uint8Array(6) }] });
  expect(decodeLogStart(marker(0))).toBeNull(); // ABORT
  expect(decodeLogStart(marker(2))).toBeNull(); // LEADER_CHANGE
  const h = new BatchHeader(encodeLogStartBatch(5));
  expect(h.isControl).toBe(true);
  expect(h.producerId).toBe(-1); // no producer state is touched
});

test('retention by size and by time moves the log start to a segment boundary through the group: the Raft log start moves with it', async () => {
  const n = await leaderAlone(1, { segmentBytes: 300, retentionBytes: 700 });
  for (let seq = 0; seq < 30; seq++) await settled(n, n.r.append(batch(7, 0, seq), -1));
  const before = n.r.log.segmentCount;
  const start = await n.loop.run(n.r.enforceRetention(n.clock.nowMs()), 1000);
  expect(start).toBeGreaterThan(0);
  expect(start).toBe(n.r.logStartOffset);
  expect(n.r.log.segmentCount).toBeLessThan(before);
  expect(n.r.log.sizeBytes - n.r.log.activeSegment.sizeBytes).toBeLessThanOrEqual(700);
  expect(n.r.driver.raft.firstIndex).toBe(start); // the Raft log start is the Kafka log start
  expect(n.r.highWatermark).toBe(31);
  // By time: everything but the active segment is older than retention.ms.
  n.r.log.updateConfig({ retentionMs: 1000, retentionBytes: Infinity });
  n.clock.advance(5000);
  const later = await n.loop.run(n.r.enforceRetention(n.clock.nowMs()), 1000);
  expect(later).toBe(n.r.log.activeSegment.baseOffset);
  expect(n.r.log.segmentCount).toBe(1);
});

test('the backend creates what is wanted under <data>/kafka/<topic>/<partition>, keeps it, and removes what is no longer wanted', async () => {
  const n = node();
  const first = await n.loop.run(n.backend.reconcile([desired(0, [1]), desired(1, [1])]), 1000, 'a reconcile');
  expect(first).toEqual({ created: [`${TOPIC_ID}:0`, `${TOPIC_ID}:1`], removed: [], damaged: [] });
  // A log's files come with its first write: each group elects itself and writes its leader_change.
  await n.loop.until(() => n.disk.exists('/d/kafka/t/0') && n.disk.exists('/d/kafka/t/1'), 1000, 'both logs written');
  expect(n.groups.size).toBe(2);
  const again = await n.loop.run(n.backend.reconcile([desired(0, [1]), desired(1, [1])]), 1000, 'a reconcile');
  expect(again).toEqual({ created: [], removed: [], damaged: [] });
  const kept = n.backend.get(TOPIC_ID, 0)!;
  const second = await n.loop.run(n.backend.reconcile([desired(0, [1])]), 1000, 'a reconcile');
  expect(second).toEqual({ created: [], removed: [`${TOPIC_ID}:1`], damaged: [] });
  expect(n.disk.exists('/d/kafka/t/1')).toBe(false);
  expect(n.groups.get(`${TOPIC_ID}:1`)).toBeUndefined();
  expect(n.backend.get(TOPIC_ID, 0)).toBe(kept);
  expect(n.backend.size).toBe(1);
});

test("after a crash and restart the new leader's producer state is rebuilt from the log: retries are duplicates at their original offsets", async () => {
  const n = await leaderAlone();
  expect(await settled(n, n.r.append(batch(7, 0, 0, 2), -1))).toMatchObject({ ok: true, baseOffset: 1, lastOffset: 2 });
  expect(await settled(n, n.r.append(batch(7, 0, 2, 1), 1))).toMatchObject({ ok: true, baseOffset: 3 });
  const r = await crashAndReopen(n);
  await n.loop.until(() => r.isLeader, 1000, 'elected again');
  expect(await settled(n, r.append(batch(7, 0, 0, 2), -1))).toMatchObject({ ok: true, baseOffset: 1, lastOffset: 2, duplicate: true });
  expect(await settled(n, r.append(batch(7, 0, 2, 1), -1))).toMatchObject({ ok: true, baseOffset: 3, lastOffset: 3, duplicate: true });
  expect(await settled(n, r.append(batch(7, 0, 3, 1), -1))).toMatchObject({ ok: true, baseOffset: 5, duplicate: false }); // after the new leader_change at 4
});

test('a new partition\'s preferred replica campaigns at once: it leads before its first election timeout', async () => {
  const n = node();
  await n.backend.reconcile([desired(0, [1])]);
  const r = n.backend.get(TOPIC_ID, 0)!;
  // Ticks are 10 ms and the election timeout 10 ticks or more: without the campaign, nothing before 100 ms.
  await n.loop.until(() => r.isLeader, 20, 'elected without an election timeout');
  expect(r.leaderEpoch).toBe(1);
});
