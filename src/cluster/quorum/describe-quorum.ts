// The controller quorum as its leader describes it: Kafka's DescribeQuorum (API 55, KIP-595;
// timestamps KIP-836, nodes KIP-853) and `freshet cluster info` read it. Only the leader knows
// how far each member is (its progress per follower), so any other node forwards the question
// to the leader over the RPC (`cluster.describe_quorum`) and relays the answer, as a Kafka
// broker forwards DescribeQuorum to the active controller. Pure: status in, description out,
// and the codec of the forwarded answer.

import { DecodeError, Reader, Writer } from '../../protocol/primitives.ts';
import type { Status } from '../../raft/core/index.ts';
import type { MessageKind } from '../../rpc/index.ts';
import type { QuorumDescription, ReplicaState } from '../cluster-view.ts';
import { BROKERS_MAX, HOST_BYTES_MAX } from './registration.ts';

/** The RPC request type: an empty body; the answer is a description, or "not the leader". */
export const DESCRIBE_QUORUM: MessageKind = { type: 3, name: 'cluster.describe_quorum', versions: { min: 1, max: 1 } };

/** What the leader's shell observed of each member, in wall-clock ms (-1: never). */
export interface MemberTimes {
  readonly lastHeardMs: ReadonlyMap<number, number>;
  readonly lastCaughtUpMs: ReadonlyMap<number, number>;
}

/** The leader's view of its group; null when `status` is not a leader's. */
export function describeQuorum(
  status: Status,
  times: MemberTimes,
  nowMs: number,
  voterEndpoints: QuorumDescription['voterEndpoints'],
): QuorumDescription | null {
  if (status.role !== 'leader' || status.progress === null) return null;
  const progress = status.progress;
  const member = (nodeId: number): ReplicaState => {
    if (nodeId === status.id) return { nodeId, logEndOffset: status.lastIndex + 1, lastFetchTimestampMs: nowMs, lastCaughtUpTimestampMs: nowMs };
    const heard = times.lastHeardMs.get(nodeId) ?? -1;
    const match = progress.get(nodeId)?.match ?? -1;
    return {
      nodeId,
      // Kafka reports -1 for a member it knows nothing of; a member it heard from holds up to its match.
      logEndOffset: heard < 0 ? -1 : match + 1,
      lastFetchTimestampMs: heard,
      lastCaughtUpTimestampMs: times.lastCaughtUpMs.get(nodeId) ?? -1,
    };
  };
  return {
    leaderId: status.id,
    leaderEpoch: status.term,
    highWatermark: status.commit + 1,
    voters: status.membership.voters.map(member),
    observers: status.membership.learners.map(member),
    voterEndpoints,
  };
}

export function encodeQuorumAnswer(q: QuorumDescription | null): Uint8Array {
  const w = new Writer(128);
  w.bool(q !== null);
  if (q === null) return w.bytes().slice();
  w.int32(q.leaderId);
  w.int32(q.leaderEpoch);
  w.int64(q.highWatermark);
  for (const list of [q.voters, q.observers]) {
    w.uvarint(list.length);
    for (const m of list) {
      w.int32(m.nodeId);
      w.int64(m.logEndOffset);
      w.int64(m.lastFetchTimestampMs);
      w.int64(m.lastCaughtUpTimestampMs);
    }
  }
  w.uvarint(q.voterEndpoints.length);
  for (const e of q.voterEndpoints) {
    w.int32(e.nodeId);
    w.compactString(e.host);
    w.uint16(e.port);
  }
  return w.bytes().slice();
}

/** The forwarded answer: the leader's description, or null when the asked node no longer leads. */
export function decodeQuorumAnswer(body: Uint8Array): QuorumDescription | null {
  const r = new Reader(body);
  if (!r.bool()) return null;
  const leaderId = r.int32();
  const leaderEpoch = r.int32();
  const highWatermark = r.int64();
  const [voters, observers] = [readMembers(r), readMembers(r)];
  const endpoints = count(r);
  const voterEndpoints: Array<{ nodeId: number; host: string; port: number }> = [];
  for (let i = 0; i < endpoints; i++) {
    const nodeId = r.int32();
    const at = r.pos;
    const n = r.uvarint() - 1;
    if (n < 1 || n > HOST_BYTES_MAX) throw new DecodeError(`a host of ${n} bytes`);
    r.pos = at;
    voterEndpoints.push({ nodeId, host: r.compactString(), port: r.uint16() });
  }
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after a quorum description`);
  return { leaderId, leaderEpoch, highWatermark, voters, observers, voterEndpoints };
}

function readMembers(r: Reader): ReplicaState[] {
  const out: ReplicaState[] = [];
  for (let i = count(r); i > 0; i--) {
    out.push({ nodeId: r.int32(), logEndOffset: r.int64(), lastFetchTimestampMs: r.int64(), lastCaughtUpTimestampMs: r.int64() });
  }
  return out;
}

function count(r: Reader): number {
  const n = r.uvarint();
  if (n > BROKERS_MAX) throw new DecodeError(`a quorum description lists ${n} members, more than ${BROKERS_MAX}`);
  return n;
}
