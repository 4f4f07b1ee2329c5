// The controller state machine over the metadata image: committed metadata batches (with Raft's
// control entries between them) give the image the operations built; snapshot then load gives
// the same image; entries out of order, or a batch that does not match its entry, are bugs.

import { describe, expect, test } from 'bun:test';
import { encodeMetadataBatch, MetadataImage } from '../../../src/cluster/controller/index.ts';
import { copyImage, imageOf, MetadataStateMachine } from '../../../src/cluster/quorum/metadata-state-machine.ts';
import type { Entry } from '../../../src/raft/core/index.ts';
import { randomHistory } from './controller/history-gen.ts';

/** The history's batches as the committed entries of a log, a LeaderChange entry every few. */
function entriesOf(batches: ReturnType<typeof randomHistory>['batches'], from = 0): Entry[] {
  const out: Entry[] = [];
  let index = from;
  batches.forEach((records, i) => {
    if (i % 5 === 0) out.push({ kind: 'control', firstIndex: index, lastIndex: index++, term: 1 + i, control: { type: 'leader_change', leaderId: 1, voters: [1] } });
    out.push({ kind: 'data', firstIndex: index, lastIndex: index + records.length - 1, term: 1 + i, payload: encodeMetadataBatch(records, 0) });
    index += records.length;
  });
  return out;
}

describe('MetadataStateMachine', () => {
  test('20 random histories: applying the committed batches gives the working image the operations built', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const h = randomHistory(seed, 60);
      const sm = new MetadataStateMachine();
      sm.load(null, -1);
      const entries = entriesOf(h.batches);
      // In pieces, as the Raft shell hands them over.
      for (let i = 0; i < entries.length; i += 7) sm.apply(entries.slice(i, i + 7));
      expect(sm.appliedIndex).toBe(entries.at(-1)!.lastIndex);
      expect(sm.image.toState()).toEqual(h.working.toState());
    }
  });

  test('snapshot then load rebuilds the same image at the same index; a copy is equal and independent', () => {
    const h = randomHistory(7, 80);
    const sm = new MetadataStateMachine();
    sm.load(null, 9);
    sm.apply(entriesOf(h.batches, 10));
    const snap = sm.snapshot(4);
    expect(snap.index).toBe(sm.appliedIndex);
    const other = new MetadataStateMachine();
    other.load(snap, -1);
    expect(other.appliedIndex).toBe(sm.appliedIndex);
    expect(other.image.toState()).toEqual(sm.image.toState());
    expect(imageOf(snap.state).toState()).toEqual(h.working.toState());
    const copy = copyImage(sm.image);
    expect(copy.toState()).toEqual(sm.image.toState());
    copy.apply({ type: 'feature_level', name: 'x.version', level: 3 });
    expect(copy.toState()).not.toEqual(sm.image.toState());
    // An empty image's snapshot is empty, and loads empty.
    const empty = new MetadataStateMachine().snapshot(0);
    expect(empty.state.length).toBe(0);
    other.load(empty, 3);
    expect(other.image.toState()).toEqual(new MetadataImage().toState());
  });

  test('listeners hear every apply and every load', () => {
    const sm = new MetadataStateMachine();
    const heard: number[] = [];
    sm.onApplied((entries) => heard.push(entries.length));
    sm.load(null, -1);
    sm.apply(entriesOf(randomHistory(3, 10).batches).slice(0, 2));
    expect(heard).toEqual([0, 2]);
  });

  test('after loading a snapshot, entries it holds are skipped (the core replays from an older log start): same image, listeners told only what is new', () => {
    const h = randomHistory(11, 60);
    const entries = entriesOf(h.batches);
    const cut = Math.floor(entries.length / 2);
    const whole = new MetadataStateMachine();
    whole.load(null, -1);
    whole.apply(entries.slice(0, cut));
    const snap = whole.snapshot(2);
    whole.apply(entries.slice(cut));
    const restarted = new MetadataStateMachine();
    restarted.load(snap, -1);
    const heard: number[] = [];
    restarted.onApplied((applied) => heard.push(applied[0].firstIndex));
    // From the log's start again, in pieces: the first half is in the snapshot.
    for (let i = 0; i < entries.length; i += 7) restarted.apply(entries.slice(i, i + 7));
    expect(restarted.appliedIndex).toBe(whole.appliedIndex);
    expect(restarted.image.toState()).toEqual(whole.image.toState());
    expect(Math.min(...heard)).toBe(snap.index + 1);
  });

  test('an entry out of order, or a batch of another size than its entry, is a bug: it throws', () => {
    const h = randomHistory(5, 10);
    const sm = new MetadataStateMachine();
    sm.load(null, -1);
    const [first] = entriesOf(h.batches, 1);
    expect(() => sm.apply([first])).toThrow(/applied after -1/);
    const records = h.batches[0];
    const wrongSize: Entry = { kind: 'data', firstIndex: 0, lastIndex: records.length, term: 1, payload: encodeMetadataBatch(records, 0) };
    expect(() => sm.apply([wrongSize])).toThrow(/holds \d+ records/);
  });
});
