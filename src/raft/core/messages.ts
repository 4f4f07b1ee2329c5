// The messages Raft nodes exchange, as plain values. `from`, `to` and `term` are on every one;
// the shell adds the group id and does the encoding (the internal RPC codec is not here).
// Names follow the paper (Figure 2: AppendEntries, RequestVote; dissertation 3.10: TimeoutNow;
// 5: InstallSnapshot). Heartbeats are their own type carrying only the commit index, so the
// shell can batch the heartbeats of every group between two nodes into one message.

import type { Entry, Index, NodeId, SnapshotMeta, Term } from './types.ts';

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

export interface AppendEntries extends Envelope {
  readonly type: 'append_entries';
  /** The entry before `entries` ends at prevIndex (a batch end) and has prevTerm. */
  readonly prevIndex: Index;
  readonly prevTerm: Term;
  /** Whole batches, contiguous from prevIndex + 1. May be empty (commit notice, probe). */
  readonly entries: readonly Entry[];
  readonly commit: Index;
}

export type AppendEntriesResponse = Envelope & { readonly type: 'append_entries_response' } & (
    | {
        readonly reject: false;
        /** The follower's log matches the leader's up to here (durably). */
        readonly matchIndex: Index;
      }
    | {
        readonly reject: true;
        /** The prevIndex of the append refused. */
        readonly rejectedIndex: Index;
        /** The last index <= rejectedIndex whose term is <= the append's prevTerm, and that term
         * (etcd's findConflictByTerm): lets the leader skip a whole divergent term at once. */
        readonly hintIndex: Index;
        readonly hintTerm: Term;
      }
  );

export interface Heartbeat extends Envelope {
  readonly type: 'heartbeat';
  /** min(commit, what the leader knows this follower holds): never past the follower's log. */
  readonly commit: Index;
  /**
   * The leader quiesces the group (quiescence.ts): a follower whose log ends at `commit` goes
   * quiet and does not answer; any other follower answers with `wake`.
   */
  readonly quiesce?: boolean;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeat_response';
  /**
   * The follower is awake (it refused a quiesce heartbeat, or woke for another reason): a
   * quiesced leader must wake and heartbeat again, or the follower's election timer would run
   * out (CockroachDB wakes its leader the same way, with an empty proposal).
   */
  readonly wake?: boolean;
}

export interface RequestVote extends Envelope {
  readonly type: 'request_vote';
  /** PreVote (dissertation 9.6): `term` is the term the sender would campaign in; nobody changes term. */
  readonly preVote: boolean;
  /** Sent on TimeoutNow (dissertation 3.10): voters answer even while they hear from a leader. */
  readonly transfer: boolean;
  readonly lastIndex: Index;
  readonly lastTerm: Term;
}

export interface RequestVoteResponse extends Envelope {
  readonly type: 'request_vote_response';
  readonly preVote: boolean;
  readonly granted: boolean;
}

/** Leadership transfer (dissertation 3.10): start an election now, without PreVote. */
export interface TimeoutNow extends Envelope {
  readonly type: 'timeout_now';
}

/**
 * The follower needs entries the leader no longer has in its log (below its log start). Only
 * metadata: the shell streams the segments or the state before stepping this into the core.
 * Answered by an AppendEntriesResponse with matchIndex = snapshot.index.
 */
export interface InstallSnapshot extends Envelope {
  readonly type: 'install_snapshot';
  readonly snapshot: SnapshotMeta;
}

export type Message =
  | AppendEntries
  | AppendEntriesResponse
  | Heartbeat
  | HeartbeatResponse
  | RequestVote
  | RequestVoteResponse
  | TimeoutNow
  | InstallSnapshot;

export type MessageType = Message['type'];
