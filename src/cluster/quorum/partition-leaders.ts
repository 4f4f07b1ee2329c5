// What every node knows of every replicated partition's leader, leader epoch and ISR, for
// Metadata and KIP-951's CurrentLeader on nodes that do not host the partition (or host a
// follower, which knows the leader but not the ISR).
//
// Why leaders publish over the RPC rather than through the controller: KRaft writes a
// PartitionChangeRecord for every election and ISR change (the controller elects), which costs
// a controller commit per election and makes the controller a bottleneck of failover. Here the
// partition's own Raft group elects, so its leader is the one source of truth; it tells every
// node directly with `cluster.partition_leaders`, one-way, batched per node (one message carries
// every partition a node leads, up to PARTITION_STATES_PER_MESSAGE_MAX), on change and every
// PARTITION_LEADERS_REFRESH_MS (a node that restarted, or a dropped message, learns within
// that). It is a hint, as Kafka's metadata cache is: a client sent to a stale leader gets
// NOT_LEADER_OR_FOLLOWER and asks again.
//
// Soundness of the table: a state is kept only when its leader epoch (the Raft term) is not
// below the one known; Raft elects at most one leader per term (Raft paper section 5.2), so two
// publishers of one epoch never disagree on the leader, and a deposed leader that still thinks
// it leads (an older term) never overwrites its successor. Until any leader has published a
// partition, its leader is unknown (-1, LEADER_NOT_AVAILABLE in Metadata).

import { DecodeError, Reader, Writer } from '../../protocol/primitives.ts';
import type { MessageKind } from '../../rpc/index.ts';

export const PARTITION_LEADERS: MessageKind = { type: 5, name: 'cluster.partition_leaders', versions: { min: 1, max: 1 } };

/** Partition states in one message; a node leading more sends several. */
export const PARTITION_STATES_PER_MESSAGE_MAX = 4096;
/** Replicas listed in one state's ISR (the replication factor is bounded by the brokers). */
export const ISR_MAX = 1024;
/** Every leader publishes all it leads this often, besides on change. */
export const PARTITION_LEADERS_REFRESH_MS = 5000;
/** Partitions the table holds (the metadata's bound on partitions of the cluster). */
export const PARTITION_STATES_MAX = 1_000_000;

export interface PartitionLeaderState {
  /** The partition's Raft group: `<topicId>:<partition>` (cluster/replica/types.ts). */
  readonly group: string;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
}

export function encodePartitionLeaders(w: Writer, states: readonly PartitionLeaderState[]): void {
  if (states.length > PARTITION_STATES_PER_MESSAGE_MAX) throw new Error(`${states.length} partition states in one message`);
  w.uvarint(states.length);
  for (const s of states) {
    w.compactString(s.group);
    w.int32(s.leaderId);
    w.int32(s.leaderEpoch);
    w.uvarint(s.isr.length);
    for (const id of s.isr) w.int32(id);
  }
}

export function decodePartitionLeaders(body: Uint8Array): PartitionLeaderState[] {
  const r = new Reader(body);
  const count = r.uvarint();
  if (count > PARTITION_STATES_PER_MESSAGE_MAX) throw new DecodeError(`${count} partition states, more than ${PARTITION_STATES_PER_MESSAGE_MAX}`);
  const out: PartitionLeaderState[] = [];
  for (let i = 0; i < count; i++) {
    const group = r.compactString();
    if (group === null || group.length === 0) throw new DecodeError('a partition state without its group');
    const leaderId = r.int32();
    const leaderEpoch = r.int32();
    const n = r.uvarint();
    if (n > ISR_MAX) throw new DecodeError(`an ISR of ${n} replicas`);
    const isr: number[] = [];
    for (let j = 0; j < n; j++) isr.push(r.int32());
    out.push({ group, leaderId, leaderEpoch, isr });
  }
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after the partition states`);
  return out;
}

/** The latest leader, epoch and ISR this node heard of, per partition group. */
export class PartitionLeaderTable {
  private readonly byGroup = new Map<string, PartitionLeaderState>();

  get size(): number {
    return this.byGroup.size;
  }

  /** Keeps each state whose epoch is not below the known one; returns how many were taken. */
  learn(states: readonly PartitionLeaderState[]): number {
    let taken = 0;
    for (const s of states) {
      const known = this.byGroup.get(s.group);
      if (known !== undefined && known.leaderEpoch > s.leaderEpoch) continue;
      if (known === undefined && this.byGroup.size >= PARTITION_STATES_MAX) continue;
      this.byGroup.set(s.group, s);
      taken++;
    }
    return taken;
  }

  get(topicId: string, partition: number): { leaderId: number; leaderEpoch: number } | undefined {
    const s = this.byGroup.get(`${topicId}:${partition}`);
    return s === undefined ? undefined : { leaderId: s.leaderId, leaderEpoch: s.leaderEpoch };
  }

  getIsr(topicId: string, partition: number): readonly number[] | null {
    return this.byGroup.get(`${topicId}:${partition}`)?.isr ?? null;
  }

  /** Forgets a topic's partitions (deleted). */
  forgetTopic(topicId: string): void {
    for (const g of [...this.byGroup.keys()]) if (g.startsWith(`${topicId}:`)) this.byGroup.delete(g);
  }
}
