// The controller's snapshot files (controller/snapshot-file.ts, quorum/snapshot-store.ts): a
// round trip gives back the image; a torn, truncated, flipped or mislabelled file is refused,
// and the store's loader falls back to the older snapshot (or none) with a WARN; a crash in the
// middle of a write leaves the old set. The fetch codec (quorum/snapshot-fetch.ts) round-trips
// and refuses what is out of range.

import { describe, expect, test } from 'bun:test';
import { decodeSnapshotFile, encodeSnapshotFile, parseSnapshotFileName, type SnapshotFile, snapshotFileName } from '../../../src/cluster/controller/snapshot-file.ts';
import { encodeMetadataBatch } from '../../../src/cluster/controller/index.ts';
import { imageOf, MetadataStateMachine } from '../../../src/cluster/quorum/metadata-state-machine.ts';
import { decodeFetchSnapshot, decodeFetchSnapshotAnswer, encodeFetchSnapshot, encodeFetchSnapshotAnswer, SNAPSHOT_CHUNK_BYTES_MAX } from '../../../src/cluster/quorum/snapshot-fetch.ts';
import { SnapshotStore } from '../../../src/cluster/quorum/snapshot-store.ts';
import { DecodeError, Writer } from '../../../src/protocol/primitives.ts';
import type { Entry } from '../../../src/raft/core/index.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { randomHistory } from './controller/history-gen.ts';

/** A snapshot of a random history's image at the history's last index. */
function snapshotOf(seed: number, batches = 60): SnapshotFile {
  const h = randomHistory(seed, batches);
  const sm = new MetadataStateMachine();
  sm.load(null, -1);
  let index = 0;
  const entries: Entry[] = h.batches.map((records) => {
    const e: Entry = { kind: 'data', firstIndex: index, lastIndex: index + records.length - 1, term: 3, payload: encodeMetadataBatch(records, 0) };
    index += records.length;
    return e;
  });
  sm.apply(entries);
  const s = sm.snapshot(3);
  return { index: s.index, term: s.term, membership: { voters: [1, 2, 3], learners: [4] }, state: s.state };
}

describe('snapshot file format', () => {
  test('20 random images round-trip: header, membership and the image itself', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const s = snapshotOf(seed);
      const back = decodeSnapshotFile(encodeSnapshotFile(s));
      expect(back.index).toBe(s.index);
      expect(back.term).toBe(3);
      expect(back.membership).toEqual({ voters: [1, 2, 3], learners: [4] });
      expect(imageOf(back.state).toState()).toEqual(imageOf(s.state).toState());
    }
  });

  test('every truncation and every single flipped byte is refused with DecodeError', () => {
    const bytes = encodeSnapshotFile(snapshotOf(3, 10));
    for (let n = 0; n < bytes.length; n++) expect(() => decodeSnapshotFile(bytes.subarray(0, n))).toThrow(DecodeError);
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] ^= 0x20;
      expect(() => decodeSnapshotFile(bad)).toThrow(DecodeError);
    }
    // Bytes after a whole file are not a file either.
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => decodeSnapshotFile(longer)).toThrow(DecodeError);
  });

  test("Kafka's names: end offset and epoch, zero-padded; other names are not snapshots", () => {
    expect(snapshotFileName(99, 7)).toBe('00000000000000000100-0000000007.checkpoint');
    expect(parseSnapshotFileName('00000000000000000100-0000000007.checkpoint')).toEqual({ index: 99, term: 7 });
    expect(parseSnapshotFileName('00000000000000000100-0000000007.checkpoint.tmp')).toBeNull();
    expect(parseSnapshotFileName('00000000000000000000-0000000007.checkpoint')).toBeNull();
    expect(parseSnapshotFileName('leader-epoch-checkpoint')).toBeNull();
  });
});

describe('snapshot store', () => {
  const dir = '/data/raft/__cluster_metadata-snapshots';

  test('the newest snapshot that reads back whole is loaded; a torn or corrupt newer one is skipped', () => {
    const fs = new SimStorageFs();
    const store = new SnapshotStore(fs, dir);
    const older = { ...snapshotOf(1), index: 100 };
    const newer = { ...snapshotOf(2), index: 200 };
    store.write(older);
    store.write(newer);
    expect(store.list().map((s) => s.index)).toEqual([100, 200]);
    expect(store.newestValid(-1)?.index).toBe(200);
    // Torn: the newest file cut in the middle.
    const file = `${dir}/${snapshotFileName(200, newer.term)}`;
    const whole = fs.readFile(file)!;
    fs.unlink(file);
    const fd = fs.openAppend(file);
    fs.append(fd, whole.subarray(0, whole.length >> 1));
    fs.close(fd);
    expect(store.newestValid(-1)?.index).toBe(100);
    // Nothing at or after the asked index reads back: none.
    expect(store.newestValid(150)).toBeNull();
    // A sound file under another snapshot's name is refused too.
    store.writeBytes({ index: 300, term: 9 }, encodeSnapshotFile(older));
    expect(store.read({ index: 300, term: 9 })).toEqual({ error: 'holds 100-3, its name says 300-9' });
    expect(store.newestValid(-1)?.index).toBe(100);
  });

  test('a crash in the middle of a write leaves the snapshots that were there, and the next write works', () => {
    const fs = new SimStorageFs();
    const store = new SnapshotStore(fs, dir);
    store.write({ ...snapshotOf(1), index: 100 });
    // The temporary file of a write that never got to its rename.
    const fd = fs.openAppend(`${dir}/${snapshotFileName(200, 3)}.tmp`);
    fs.append(fd, new Uint8Array(50));
    fs.close(fd);
    fs.crash({ tornTail: true, random: () => 0.5 });
    expect(store.list().map((s) => s.index)).toEqual([100]);
    expect(store.newestValid(-1)?.index).toBe(100);
    store.write({ ...snapshotOf(2), index: 200 });
    fs.crash({ tornTail: true, random: () => 0.5 });
    expect(store.newestValid(-1)?.index).toBe(200);
  });
});

describe('cluster.fetch_snapshot codec', () => {
  test('requests and answers round-trip; out-of-range values and trailing bytes are refused', () => {
    const q = { index: 12_345, term: 7, position: 1 << 20, maxBytes: SNAPSHOT_CHUNK_BYTES_MAX };
    const w = new Writer(64);
    encodeFetchSnapshot(w, q);
    expect(decodeFetchSnapshot(w.bytes())).toEqual(q);
    for (const bad of [{ ...q, index: -1 }, { ...q, maxBytes: 0 }, { ...q, maxBytes: SNAPSHOT_CHUNK_BYTES_MAX + 1 }, { ...q, position: -5 }, { ...q, index: -1 }, { ...q, term: -1 }]) {
      const b = new Writer(64);
      encodeFetchSnapshot(b, bad);
      expect(() => decodeFetchSnapshot(b.bytes())).toThrow(DecodeError);
    }
    // No snapshot named: the one the leader's log starts after.
    const latest = new Writer(64);
    encodeFetchSnapshot(latest, { ...q, index: -1, term: -1 });
    expect(decodeFetchSnapshot(latest.bytes()).index).toBe(-1);
    const a = { error: 'none' as const, index: 99, term: 4, size: 10, bytes: new Uint8Array([1, 2, 3]) };
    expect(decodeFetchSnapshotAnswer(encodeFetchSnapshotAnswer(a))).toEqual(a);
    expect(decodeFetchSnapshotAnswer(encodeFetchSnapshotAnswer({ error: 'snapshot_not_found' }))).toEqual({ error: 'snapshot_not_found' });
    const body = encodeFetchSnapshotAnswer(a);
    for (let n = 0; n < body.length; n++) expect(() => decodeFetchSnapshotAnswer(body.subarray(0, n))).toThrow(DecodeError);
  });
});
