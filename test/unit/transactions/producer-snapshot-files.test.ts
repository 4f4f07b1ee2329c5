// Picking the snapshot to recover from.

import { expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { ProducerState } from '../../../src/transactions/producer-state.ts';
import {
  loadNewestSnapshot,
  parseSnapshotFileName,
  snapshotFileName,
} from '../../../src/transactions/producer-snapshot-files.ts';

const options = { clock: new ManualClock() };

function stateAt(endOffset: number): Uint8Array {
  const s = new ProducerState(options);
  s.record({ producerId: 1, producerEpoch: 0, baseSequence: 0, lastOffsetDelta: endOffset - 1, maxTimestamp: 0 }, 0);
  return s.snapshot();
}

test('file names carry the 20-digit end offset', () => {
  expect(snapshotFileName(42)).toBe('00000000000000000042.snapshot');
  expect(parseSnapshotFileName('00000000000000000042.snapshot')).toBe(42);
  expect(parseSnapshotFileName('00000000000000000042.log')).toBeNull();
  expect(parseSnapshotFileName('0000000000000000004x.snapshot')).toBeNull();
});

test('the newest good snapshot at or below the recovery point is loaded', () => {
  const files = new Map<string, Uint8Array>([
    [snapshotFileName(10), stateAt(10)],
    [snapshotFileName(20), stateAt(20)],
    [snapshotFileName(30), new Uint8Array([1, 2, 3])],
    [snapshotFileName(40), stateAt(40)],
  ]);
  const r = loadNewestSnapshot([...files.keys(), 'x.log'], 35, 0, (n) => files.get(n)!, options);
  expect(r.state.endOffset).toBe(20);
  expect(r.corrupt).toEqual([snapshotFileName(30)]);
});

test('a snapshot whose content disagrees with its name is not trusted', () => {
  const files = new Map([[snapshotFileName(50), stateAt(20)]]);
  const r = loadNewestSnapshot([...files.keys()], 100, 7, (n) => files.get(n)!, options);
  expect(r.state.endOffset).toBe(7);
  expect(r.state.producerCount).toBe(0);
  expect(r.corrupt).toEqual([snapshotFileName(50)]);
});
