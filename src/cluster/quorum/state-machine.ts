// The controller state machine: what the committed entries of the metadata log (the controller
// group's Raft log, `<data>/raft/__cluster_metadata-0`) are applied to. The cluster's metadata
// (topics, assignments, configs, broker registrations, producer id blocks) is its state; every
// node applies the same entries in the same order and so holds the same state (paper 5.3,
// State Machine Safety), as KRaft's controllers and brokers replay `__cluster_metadata`.
//
// This file holds the boundary and a placeholder. The real state machine (src/cluster/controller)
// replaces the placeholder behind the same interface: ClusterNode only hands it entries, asks it
// for snapshots and loads them.
//
// Today's contract with the shell: on every start the state machine is loaded empty at the
// log's snapshot point (`load(null, point)`) and the Raft core hands every committed entry after
// it to `apply` again (the shell keeps no state-machine snapshot yet, so nothing is skipped).
// When the leader's snapshot point restarts this node's log (`snapshotInstalled`), the state is
// loaded empty at that point too: until snapshots carry state (KRaft's metadata snapshots,
// KIP-630), the controller log must not be compacted, and nothing compacts it.

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

/**
 * Stands in for the controller state machine until it lands: counts what it applies and
 * snapshots that count, so the plumbing (apply order, reloads) is observable and tested.
 */
export class PlaceholderStateMachine implements ControllerStateMachine {
  appliedIndex: Index = -1;
  /** Data records applied since the last load (records, not batches). */
  dataRecords = 0;
  /** Control entries applied since the last load. */
  controlEntries = 0;

  apply(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.firstIndex !== this.appliedIndex + 1) {
        throw new Error(`controller state machine: entry ${e.firstIndex}..${e.lastIndex} applied after ${this.appliedIndex}`);
      }
      if (e.kind === 'data') this.dataRecords += e.lastIndex - e.firstIndex + 1;
      else this.controlEntries++;
      this.appliedIndex = e.lastIndex;
    }
  }

  snapshot(term: Term): ControllerSnapshot {
    const state = new Uint8Array(16);
    const view = new DataView(state.buffer);
    view.setFloat64(0, this.dataRecords);
    view.setFloat64(8, this.controlEntries);
    return { index: this.appliedIndex, term, state };
  }

  load(snapshot: ControllerSnapshot | null, point: Index): void {
    if (snapshot === null) {
      this.appliedIndex = point;
      this.dataRecords = 0;
      this.controlEntries = 0;
      return;
    }
    if (snapshot.state.length !== 16) throw new Error(`controller state machine: a snapshot of ${snapshot.state.length} bytes is not the placeholder's`);
    const view = new DataView(snapshot.state.buffer, snapshot.state.byteOffset, 16);
    this.appliedIndex = snapshot.index;
    this.dataRecords = view.getFloat64(0);
    this.controlEntries = view.getFloat64(8);
  }
}
