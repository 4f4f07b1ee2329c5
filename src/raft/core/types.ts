// The values the Raft core deals in. Indexes are Kafka offsets: the log of a partition is its
// Raft log, so an index is the offset of one record, and an entry is one record batch covering
// the contiguous range [firstIndex, lastIndex] (a batch of N records takes N offsets). The term
// of an entry is the batch's partitionLeaderEpoch. See README.md, "The log model".

export type NodeId = number;
export type Term = number;
/** A Kafka offset. The first entry of a log starts at 0; -1 is "before the first entry". */
export type Index = number;

/**
 * Who votes and who only replicates. Learners (non-voting members, dissertation 4.2.1) receive
 * the log but count in no quorum; a replica is added as a learner and promoted once caught up.
 * Both lists are sorted and disjoint.
 */
export interface Membership {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** A membership and the index of the entry that set it (-1 or a snapshot index for the base). */
export interface MembershipAt {
  readonly index: Index;
  readonly membership: Membership;
}

/**
 * Raft's own entries, written as Kafka control batches that clients skip. The core keeps them
 * typed; the shell encodes them (as KRaft encodes LeaderChangeMessage, KIP-595, and its
 * VotersRecord, KIP-853).
 */
export type ControlRecord =
  /** A new leader's first entry (paper 5.4.2, dissertation 6.4): commits what came before. */
  | { readonly type: 'leader_change'; readonly leaderId: NodeId; readonly voters: readonly NodeId[] }
  /** The whole new membership; it takes effect when appended, not when committed (dissertation 4.1). */
  | { readonly type: 'membership'; readonly membership: Membership };

interface EntryRange {
  readonly firstIndex: Index;
  /** Inclusive. A control entry is one record: lastIndex === firstIndex. */
  readonly lastIndex: Index;
  readonly term: Term;
}

/** A batch of client records. The payload is opaque to the core (the shell's record batch). */
export interface DataEntry extends EntryRange {
  readonly kind: 'data';
  readonly payload: Uint8Array;
}

export interface ControlEntry extends EntryRange {
  readonly kind: 'control';
  readonly control: ControlRecord;
}

export type Entry = DataEntry | ControlEntry;

/**
 * What flow control counts for a control entry: about the size of an encoded control batch
 * (61-byte batch header, one small record). The shell's encoding may differ by a few bytes;
 * only the limits' accuracy depends on it.
 */
export const CONTROL_ENTRY_BYTES = 96;

export function entryBytes(e: Entry): number {
  return e.kind === 'data' ? e.payload.byteLength : CONTROL_ENTRY_BYTES;
}

/** Must be durable before the messages of the same Ready are sent (paper Figure 2, "Persistent state"). */
export interface HardState {
  readonly term: Term;
  readonly vote: NodeId | null;
  /** Highest committed index (inclusive; Kafka's high watermark is commit + 1). */
  readonly commit: Index;
}

export type Role = 'follower' | 'pre_candidate' | 'candidate' | 'leader';

/** Volatile, for the shell to route requests: never persisted. */
export interface SoftState {
  readonly role: Role;
  readonly leaderId: NodeId | null;
}

/**
 * The point a log starts after: every entry up to `index` is committed and held by the state
 * (a partition's older segments, or a state-machine snapshot), not by the log. The core only
 * carries this metadata; the shell moves the data.
 */
export interface SnapshotMeta {
  readonly index: Index;
  readonly term: Term;
  /** The membership in effect at `index`. */
  readonly membership: Membership;
}

/** An empty log: nothing before offset 0, term 0 (no leader has been elected yet). */
export function emptySnapshot(membership: Membership): SnapshotMeta {
  return { index: -1, term: 0, membership };
}
