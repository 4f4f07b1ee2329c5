// One simulated node: durable state (a MemoryRaftStorage: what survives a crash), the running
// core (null while down), the Ready being written, and the node's volatile state machine
// position. A crash loses the core, its unstable entries and the write in flight; a torn
// write keeps a prefix of that write's entries but not its hard state (the Ready contract
// makes entries durable no later than the hard state, so this is a state a real disk can be in).

import type { Prng } from '../../../src/base/prng.ts';
import {
  describeMembership,
  type Entry,
  type MemoryRaftStorage,
  type NodeId,
  type RaftConfigInput,
  RaftNode,
  type Ready,
  type Role,
} from '../../../src/raft/core/index.ts';
import { NodeLiveness, unreachableAfterTicksFor } from '../../../src/raft/node-liveness.ts';
import type { EntryRef } from './checker.ts';

export class SimNode {
  raft: RaftNode | null = null;
  /** Bumped by every crash: events scheduled for an earlier life are ignored. */
  incarnation = 0;
  /** The Ready being persisted (written when its 'persisted' event fires). */
  pending: Ready | null = null;
  /** Last index applied by this node's state machine since it (re)started. */
  appliedIndex = -1;
  /** What the simulation last saw of the core, to notice changes. */
  seenRole: Role | null = null;
  seenTerm = -1;
  seenLeaderTerm = -1;
  seenCommit = -1;
  /** Node-level liveness when the core quiesces (as src/raft/raft-groups.ts runs it); per life. */
  liveness: NodeLiveness | null = null;

  constructor(
    readonly id: NodeId,
    readonly storage: MemoryRaftStorage,
    readonly tickMs: number,
  ) {}

  get alive(): boolean {
    return this.raft !== null;
  }

  start(core: Omit<RaftConfigInput, 'id' | 'random'>, random: Prng): RaftNode {
    this.raft = new RaftNode({ ...core, id: this.id, random }, this.storage);
    this.liveness = null;
    if (core.quiescence === true) {
      // Its group's members, as RaftGroups knows its groups' members; others once a frame is exchanged.
      this.liveness = new NodeLiveness(this.id, unreachableAfterTicksFor(core.electionTimeoutTicks ?? 10));
      for (const p of [...this.raft.membership.voters, ...this.raft.membership.learners]) this.liveness.know(p);
    }
    this.pending = null;
    this.appliedIndex = this.storage.snapshot().index;
    this.seenRole = null;
    this.seenLeaderTerm = -1;
    this.seenCommit = this.raft.commit;
    return this.raft;
  }

  /** Returns the entries a torn write kept, if any. */
  crash(prng: Prng, tornWriteProbability: number): Entry[] {
    let kept: Entry[] = [];
    const rd = this.pending;
    if (rd !== null && rd.snapshot === null && rd.entries.length > 0 && prng.chance(tornWriteProbability)) {
      kept = rd.entries.slice(0, prng.int(0, rd.entries.length));
      this.storage.append(kept);
    }
    this.raft = null;
    this.pending = null;
    this.incarnation++;
    return kept;
  }
}

const refs = new WeakMap<Entry, EntryRef>();
const decoder = new TextDecoder();

/** The checker's view of an entry; entries are shared objects, so each is described once. */
export function entryRef(e: Entry): EntryRef {
  let r = refs.get(e);
  if (r === undefined) {
    const id =
      e.kind === 'data'
        ? decoder.decode(e.payload)
        : e.control.type === 'leader_change'
          ? `leader ${e.control.leaderId}`
          : `membership ${describeMembership(e.control.membership)}`;
    r = { firstIndex: e.firstIndex, lastIndex: e.lastIndex, term: e.term, id };
    refs.set(e, r);
  }
  return r;
}
