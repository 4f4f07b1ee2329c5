// The controller state machine: the committed entries of the metadata log applied to a
// MetadataImage (src/cluster/controller), on every node of the cluster, voter or learner, as
// KRaft's controllers and brokers replay `__cluster_metadata` into their MetadataImage.
//
// - A data entry is one metadata batch (one controller operation, metadata-batch.ts): decoded
//   with the controller's batch codec and its records applied in order. Control entries (Raft's
//   LeaderChange and membership entries) change no metadata and are only counted as applied.
// - A batch that does not decode, or a record the image refuses, is a bug or a log that is not
//   ours: it throws (the group driver stops the controller group on this node), because
//   applying past it would fork the cluster's metadata (controller README, "Invariants").
// - Snapshot: the image's `snapshotRecords` as metadata batches, back to back (KRaft writes its
//   snapshots as metadata records too, KIP-630); load replays them into a fresh image. After a
//   load at index S, entries up to S handed to `apply` again (the core replays from the log's
//   snapshot point, which may be older) are skipped: listeners are told only what is new.
//
// Readers (the controller service, the broker's reconciler, Metadata) read `image` and are told
// after each apply through `onApplied`; the image is only ever changed here.

import { assert } from '../../base/assert.ts';
import { BatchHeader } from '../../protocol/records/batch.ts';
import type { Entry, Index, Term } from '../../raft/core/index.ts';
import { decodeMetadataBatch, encodeMetadataBatches } from '../controller/metadata-batch.ts';
import { MetadataImage } from '../controller/image.ts';
import type { MetadataRecord } from '../controller/records.ts';
import { snapshotRecords } from '../controller/snapshot.ts';
import type { ControllerSnapshot, ControllerStateMachine } from './state-machine.ts';

/**
 * Told after every apply or load: the entries applied and the metadata records they carried, in
 * order (KRaft's MetadataDelta), or null after a load (anything may have changed).
 */
export type AppliedListener = (entries: readonly Entry[], records: readonly MetadataRecord[] | null) => void;

export class MetadataStateMachine implements ControllerStateMachine {
  appliedIndex: Index = -1;
  private imageValue = new MetadataImage();
  private readonly listeners: AppliedListener[] = [];

  /** The committed metadata as of appliedIndex. Replaced by load(): read it anew each time. */
  get image(): MetadataImage {
    return this.imageValue;
  }

  onApplied(listener: AppliedListener): void {
    this.listeners.push(listener);
  }

  apply(entries: readonly Entry[]): void {
    const records: MetadataRecord[] = [];
    const applied: Entry[] = [];
    for (const e of entries) {
      // Held by the snapshot loaded at start already (the core replays from the log's snapshot
      // point, which may be below the newest snapshot: metadata-snapshots.ts). A snapshot ends
      // at a batch end, so an entry is either wholly in it or wholly after it.
      if (e.lastIndex <= this.appliedIndex) continue;
      assert(e.firstIndex === this.appliedIndex + 1, `controller state machine: entry ${e.firstIndex}..${e.lastIndex} applied after ${this.appliedIndex}`);
      if (e.kind === 'data') {
        const batch = decodeMetadataBatch(e.payload);
        assert(batch !== null, `controller state machine: entry ${e.firstIndex} is a control batch in a data entry`);
        assert(batch.records.length === e.lastIndex - e.firstIndex + 1, `controller state machine: entry ${e.firstIndex}..${e.lastIndex} holds ${batch.records.length} records`);
        this.imageValue.applyAll(batch.records);
        for (const r of batch.records) records.push(r);
      }
      this.appliedIndex = e.lastIndex;
      applied.push(e);
    }
    if (applied.length === 0) return;
    for (const l of this.listeners) l(applied, records);
  }

  snapshot(term: Term): ControllerSnapshot {
    const records = snapshotRecords(this.imageValue);
    const batches = records.length === 0 ? [] : encodeMetadataBatches(records, 0);
    const state = new Uint8Array(batches.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of batches) {
      state.set(b, at);
      at += b.length;
    }
    return { index: this.appliedIndex, term, state };
  }

  load(snapshot: ControllerSnapshot | null, point: Index): void {
    this.imageValue = snapshot === null ? new MetadataImage() : imageOf(snapshot.state);
    this.appliedIndex = snapshot === null ? point : snapshot.index;
    for (const l of this.listeners) l([], null);
  }
}

/** The image a snapshot's batches rebuild. Throws DecodeError on bytes that are not batches. */
export function imageOf(state: Uint8Array): MetadataImage {
  const image = new MetadataImage();
  let pos = 0;
  while (pos < state.length) {
    const batch = decodeMetadataBatch(state, pos);
    assert(batch !== null, 'a control batch in a controller snapshot');
    image.applyAll(batch.records);
    pos += new BatchHeader(state, pos).sizeBytes;
  }
  return image;
}

/** A copy of `image` (its snapshot replayed): the controller service's working image starts here. */
export function copyImage(image: MetadataImage): MetadataImage {
  return new MetadataImage().applyAll(snapshotRecords(image));
}
