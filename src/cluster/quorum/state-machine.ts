// The controller state machine: what the committed entries of the metadata log (the controller
// group's Raft log, `<data>/raft/__cluster_metadata-0`) are applied to. The cluster's metadata
// (topics, assignments, configs, broker registrations, producer id blocks) is its state; every
// node applies the same entries in the same order and so holds the same state (paper 5.3,
// State Machine Safety), as KRaft's controllers and brokers replay `__cluster_metadata`.
//
// This file holds the boundary; metadata-state-machine.ts is the state machine (the image of
// src/cluster/controller): ClusterNode only hands it entries, asks it for snapshots and loads them.
//
// The contract with the shell (metadata-snapshots.ts, KIP-630): on every start the state
// machine is loaded from the newest sound snapshot at or after the log's snapshot point
// (`load(snapshot, index)`; empty, `load(null, point)`, when the log was never compacted), and
// the Raft core hands every committed entry after the log's snapshot point to `apply` again:
// those the snapshot holds are skipped. When the leader's snapshot restarts this node's log
// (`snapshotInstalled`), the state is loaded from that snapshot's file, fetched beforehand.

import type { Entry, Index, Term } from '../../raft/core/index.ts';

/** The state as of an index of the metadata log, as bytes (KRaft's `.checkpoint` files). */
export interface ControllerSnapshot {
  /** The last entry the state holds. */
  readonly index: Index;
  readonly term: Term;
  readonly state: Uint8Array;
}

export interface ControllerStateMachine {
  /** The last index applied (the snapshot point before the first apply). */
  readonly appliedIndex: Index;
  /**
   * Committed entries, in log order, each once per load, starting right after appliedIndex.
   * Control entries (leader changes, membership) come too: a state machine may ignore them.
   * Throws only on a bug (an entry out of order): every entry of a valid log must apply.
   */
  apply(entries: readonly Entry[]): void;
  /** The state as of appliedIndex. */
  snapshot(term: Term): ControllerSnapshot;
  /** Replaces the state: with a snapshot's, or with the empty state at `point` (null snapshot). */
  load(snapshot: ControllerSnapshot | null, point: Index): void;
}
