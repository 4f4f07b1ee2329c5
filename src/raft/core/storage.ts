// What the core reads of the persisted log: a small read-only interface, like etcd's Storage.
// The shell writes (it persists each Ready); the core only reads, and never sees a write it has
// not been told of through advance(). A PartitionLog adapter implements it for a partition
// (firstIndex = base offset of the first batch kept, term = the batch's partitionLeaderEpoch).

import type { Entry, HardState, Index, MembershipAt, SnapshotMeta, Term } from './types.ts';

export interface InitialState {
  readonly hardState: HardState;
  /**
   * The membership in effect at hardState.commit (its entry's index, or the snapshot's), then
   * every membership entry after it in the log, ascending. A membership takes effect when
   * appended (dissertation 4.1), so a restarted node needs the uncommitted ones too.
   */
  readonly memberships: readonly MembershipAt[];
}

export interface RaftStorage {
  initialState(): InitialState;
  /** The point the log starts after: snapshot().index === firstIndex() - 1. */
  snapshot(): SnapshotMeta;
  /** The first index held in the log: the first offset of the first entry (a batch start). */
  firstIndex(): Index;
  /** The last index held (firstIndex() - 1 when the log is empty). */
  lastIndex(): Index;
  /** The term of the entry holding `index`, for index in [firstIndex() - 1, lastIndex()]; else null. */
  term(index: Index): Term | null;
  /**
   * Whole entries in order, starting with the one holding `from` (firstIndex() <= from <=
   * lastIndex()): at least one, then more while their bytes total at most bytesMax.
   */
  entries(from: Index, bytesMax: number): readonly Entry[];
}
