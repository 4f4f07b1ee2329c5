// A replica leading a three-voter group on one node, with nodes 2 and 3 played by the test
// (node 2 grants votes; each acknowledges appends and heartbeats while the test says so):
// the ISR of a real leader (a follower back after the lag time but behind kept out until it
// holds the commit: the bug of a tracker that credited it with the recent log ends it reached),
// min.insync.replicas met through a follower and checked again at the
// commit (NOT_ENOUGH_REPLICAS_AFTER_APPEND), and a leader that loses its term while an acks=all
// append waits failing it with NOT_LEADER_OR_FOLLOWER and naming the new leader (KIP-951's
// CurrentLeader).

import { expect, test } from 'bun:test';
import { ManualClock } from '../../../../src/base/clock.ts';
import { Prng } from '../../../../src/base/prng.ts';
import { SimScheduler } from '../../../../src/base/scheduler.ts';
import { ReplicaBackend } from '../../../../src/cluster/replica/replica-backend.ts';
import { effectiveTopicConfig } from '../../../../src/config/topic-config.ts';
import { ErrorCode } from '../../../../src/protocol/errors.ts';
import { crc32c } from '../../../../src/protocol/records/crc32c.ts';
import { BatchHeader } from '../../../../src/protocol/records/batch.ts';
import { buildBatch } from '../../../../src/protocol/records/records.ts';
import type { Message } from '../../../../src/raft/core/index.ts';
import { QuorumStateJournal } from '../../../../src/raft/quorum-state.ts';
import { RaftGroups } from '../../../../src/raft/raft-groups.ts';
import type { GroupMessage } from '../../../../src/raft/transport.ts';
import { SimStorageFs } from '../../../../src/storage/sim-fs.ts';
import { SimLoop } from '../../../simulation/sim-loop.ts';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAg';
const GROUP = `${TOPIC_ID}:0`;

async function leaderOfThree(minInsync: number) {
  const clock = new ManualClock();
  const scheduler = new SimScheduler(clock);
  const loop = new SimLoop(scheduler);
  const disk = new SimStorageFs({ scheduler, fsyncLatencyMs: { min: 1, max: 1, random: new Prng(1) } });
  /** Nodes answering appends and heartbeats; nodes answering heartbeats only (a follower whose disk stalls). */
  const peer = { acknowledging: new Set<number>(), heartbeatsOnly: new Set<number>() };
  let deliver: (from: number, m: GroupMessage[]) => void = () => {};
  /** The peers' answers: node 2 grants votes; appends and heartbeats are answered by the nodes in `peer.acknowledging`. */
  const answer = (m: Message): Message | null => {
    const env = { from: m.to, to: 1, term: m.term };
    if (m.type === 'request_vote') return m.to === 2 ? { ...env, type: 'request_vote_response', preVote: m.preVote, granted: true } : null;
    if (m.type === 'heartbeat' && peer.heartbeatsOnly.has(m.to)) return { ...env, type: 'heartbeat_response' };
    if (!peer.acknowledging.has(m.to)) return null;
    if (m.type === 'heartbeat') return { ...env, type: 'heartbeat_response' };
    if (m.type === 'append_entries') {
      const last = m.entries.length > 0 ? m.entries[m.entries.length - 1].lastIndex : m.prevIndex;
      return { ...env, type: 'append_entries_response', reject: false, matchIndex: last };
    }
    return null;
  };
  const groups = new RaftGroups({
    nodeId: 1,
    scheduler,
    random: new Prng(2),
    transport: {
      send: (to, messages) => {
        const answers = messages.map((gm) => answer(gm.message)).filter((m) => m !== null);
        if (answers.length > 0) scheduler.after(1, () => deliver(to, answers.map((message) => ({ group: GROUP, message }))));
      },
      onMessages: (h) => {
        deliver = h;
      },
    },
    journal: QuorumStateJournal.open(disk, '/d/raft'),
    tickMs: 10,
  });
  const backend = new ReplicaBackend({ dataDir: '/d', groups, clock, logDeps: { fs: disk, clock, crc32c }, logConfig: () => ({}), replicaLagTimeMaxMs: 1000 });
  groups.start();
  const config = effectiveTopicConfig({ 'min.insync.replicas': String(minInsync) }, new Map());
  await loop.run(backend.reconcile([{ topicId: TOPIC_ID, topicName: 't', partition: 0, replicas: [1, 2, 3], config }]), 1000);
  const r = backend.get(TOPIC_ID, 0)!;
  await loop.until(() => r.isLeader, 2000, 'node 1 elected with node 2');
  return { loop, r, peer, deliver: (from: number, m: Message) => deliver(from, [{ group: GROUP, message: m }]) };
}

const batch = (seq: number) => buildBatch({ producerId: 9, producerEpoch: 0, baseSequence: seq, records: [{ value: `v${seq}` }] });

test('followers that acknowledge join the ISR, one that goes silent leaves it after replica.lag.time.max.ms, and min.insync.replicas follows', async () => {
  const n = await leaderOfThree(3);
  expect(n.r.inSyncReplicas()).toEqual([1]);
  let refused = await n.loop.run(n.r.append(batch(0), -1), 1000);
  expect(refused.ok === false && refused.error.code).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
  n.peer.acknowledging = new Set([2, 3]);
  await n.loop.advance(50);
  expect(n.r.inSyncReplicas()).toEqual([1, 2, 3]);
  expect(await n.loop.run(n.r.append(batch(0), -1), 1000)).toMatchObject({ ok: true, baseOffset: 1, lastOffset: 1, duplicate: false });
  // Node 2 goes silent (node 3 keeps the leader's quorum): out once the lag time passed, even
  // though the partition is idle and node 2 holds the whole log.
  n.peer.acknowledging = new Set([3]);
  await n.loop.advance(900);
  expect(n.r.inSyncReplicas()).toEqual([1, 2, 3]);
  await n.loop.advance(300);
  expect(n.r.inSyncReplicas()).toEqual([1, 3]);
  refused = await n.loop.run(n.r.append(batch(1), -1), 1000);
  expect(refused.ok === false && refused.error.code).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
  expect(n.r.logEndOffset).toBe(2); // refused before anything was appended
});

test('committed once the ISR fell below min.insync.replicas: NOT_ENOUGH_REPLICAS_AFTER_APPEND, the batch in the log all the same', async () => {
  const n = await leaderOfThree(3);
  n.peer.acknowledging = new Set([2, 3]);
  await n.loop.advance(50);
  expect(n.r.inSyncReplicas()).toEqual([1, 2, 3]);
  // Node 2 goes silent and node 3's disk stalls (it answers heartbeats, not appends): the append waits.
  n.peer.acknowledging = new Set();
  n.peer.heartbeatsOnly = new Set([3]);
  const waiting = n.r.append(batch(0), -1);
  await n.loop.advance(1200);
  // Node 3 catches up and the batch commits, but node 2 has been out for longer than the lag time.
  n.peer.heartbeatsOnly = new Set();
  n.peer.acknowledging = new Set([3]);
  const a = await n.loop.run(waiting, 1000);
  expect(a).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND } });
  expect(n.r.highWatermark).toBe(2);
  expect(n.r.inSyncReplicas()).toEqual([1, 3]);
});

test('a leader that loses its term while acks=all waits fails the append with NOT_LEADER_OR_FOLLOWER and names the new leader', async () => {
  const n = await leaderOfThree(1);
  const term = n.r.leaderEpoch;
  const waiting = n.r.append(batch(0), -1); // nobody acknowledges: it cannot commit
  await n.loop.advance(30);
  // Node 3 leads a later term.
  n.deliver(3, { type: 'heartbeat', from: 3, to: 1, term: term + 1, commit: -1 });
  const a = await n.loop.run(waiting, 1000);
  expect(a).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_LEADER_OR_FOLLOWER }, currentLeader: { leaderId: 3, leaderEpoch: term + 1 } });
  expect(n.r.isLeader).toBe(false);
  const next = await n.loop.run(n.r.append(batch(0), -1), 1000);
  expect(next).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_LEADER_OR_FOLLOWER }, currentLeader: { leaderId: 3 } });
});

test("a follower back after the lag time, answering but behind, stays out of the ISR until it holds the leader's commit (Kafka's isFollowerInSync)", async () => {
  const n = await leaderOfThree(1);
  n.peer.acknowledging = new Set([2, 3]);
  await n.loop.advance(50);
  expect(n.r.inSyncReplicas()).toEqual([1, 2, 3]);
  // Node 2 dies: out after the lag time.
  n.peer.acknowledging = new Set([3]);
  await n.loop.advance(1200);
  expect(n.r.inSyncReplicas()).toEqual([1, 3]);
  // The leader goes on with node 3; node 2 restarts right after and answers heartbeats, but its
  // appends are not written yet (it is behind: the log ends it reached are recent ones).
  for (let seq = 0; seq < 3; seq++) expect(await n.loop.run(n.r.append(batch(seq), -1), 1000)).toMatchObject({ ok: true });
  n.peer.heartbeatsOnly = new Set([2]);
  await n.loop.advance(50);
  expect(n.r.highWatermark).toBe(4);
  expect(n.r.inSyncReplicas()).toEqual([1, 3]);
  // It catches up: in sync.
  n.peer.heartbeatsOnly = new Set();
  n.peer.acknowledging = new Set([2, 3]);
  await n.loop.advance(50);
  expect(n.r.inSyncReplicas()).toEqual([1, 2, 3]);
});

// A read barrier (read-barrier.ts, the group coordinator's OffsetFetch): a leader answers a read
// from its own state only once an entry it proposed after the read arrived is committed in its
// term (Raft dissertation 6.4). A leader cut off from its followers never gets there.
test('a read barrier commits once a majority has it in this term: a control batch, no record a client or the coordinator reads', async () => {
  const n = await leaderOfThree(3);
  n.peer.acknowledging = new Set([2]);
  const b = n.r.proposeReadBarrier();
  expect(b.ok).toBe(true);
  if (!b.ok) return;
  // min.insync.replicas 3 with one follower acknowledging: a read is not refused for it.
  expect(await n.loop.run(n.r.barrierCommitted(b), 1000)).toMatchObject({ ok: true, lastOffset: b.lastOffset });
  expect(n.r.highWatermark).toBe(b.lastOffset + 1);
  const read = n.r.log.read(b.lastOffset, 1 << 20, { minOneBatch: true });
  const h = new BatchHeader(read.bytes, 0);
  expect([h.isControl, h.recordCount, h.producerId]).toEqual([true, 1, -1]);
});

test('a read barrier of a leader cut off from its followers never confirms it: it fails once another term is heard, naming the new leader', async () => {
  const n = await leaderOfThree(1);
  const term = n.r.leaderEpoch;
  const b = n.r.proposeReadBarrier(); // nobody acknowledges: the old leader's state may be stale
  expect(b.ok).toBe(true);
  let settled: unknown = 'pending';
  void n.r.barrierCommitted(b).then((x) => (settled = x));
  await n.loop.advance(30);
  expect(settled).toBe('pending');
  n.deliver(3, { type: 'heartbeat', from: 3, to: 1, term: term + 1, commit: -1 });
  await n.loop.advance(10);
  expect(settled).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_LEADER_OR_FOLLOWER }, currentLeader: { leaderId: 3, leaderEpoch: term + 1 } });
  // A follower proposes no barrier.
  expect(n.r.proposeReadBarrier()).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_LEADER_OR_FOLLOWER } });
});
