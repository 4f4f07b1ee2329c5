// Producer-state snapshots on stop (src/cluster/producer-state-store.ts): a partition nothing was
// ever appended to writes none, and a state already snapshotted (written, or loaded with nothing
// to replay) is not written again, so stopping a node with many partitions writes only what moved.

import { afterEach, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../../src/base/clock.ts';
import { NodeStorageFs } from '../../../src/storage/fs.ts';
import { loadProducerState, saveProducerState } from '../../../src/cluster/producer-state-store.ts';
import { PartitionLog } from '../../../src/storage/partition-log.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { ProducerState } from '../../../src/transactions/producer-state.ts';

const dirs: string[] = [];
const nodeFs = new NodeStorageFs();
const clock = new ManualClock();
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

test('nothing appended: no snapshot; once a batch was appended: a snapshot', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-pstate-'));
  dirs.push(dir);
  const state = new ProducerState({ clock: new ManualClock() });
  saveProducerState(nodeFs, dir, state);
  expect(fs.readdirSync(dir)).toEqual([]);
  state.record({ producerId: -1, producerEpoch: -1, baseSequence: -1, lastOffsetDelta: 0, maxTimestamp: 0 }, 0);
  saveProducerState(nodeFs, dir, state);
  expect(fs.readdirSync(dir).filter((n) => n.endsWith('.snapshot')).length).toBe(1);
});

test('a state already snapshotted, by this process or loaded with nothing to replay, is not written again', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-pstate-'));
  dirs.push(dir);
  const log = PartitionLog.open(dir, {}, { clock: new ManualClock(), crc32c });
  const snapshots = () => fs.readdirSync(dir).filter((n) => n.endsWith('.snapshot'));
  const state = loadProducerState(nodeFs, clock, dir, log);
  state.record({ producerId: 7, producerEpoch: 0, baseSequence: 0, lastOffsetDelta: 0, maxTimestamp: 0 }, 0);
  saveProducerState(nodeFs, dir, state);
  expect(snapshots().length).toBe(1);
  fs.rmSync(path.join(dir, snapshots()[0]));
  saveProducerState(nodeFs, dir, state); // unchanged since it was written: not written again
  expect(snapshots()).toEqual([]);
  state.record({ producerId: 7, producerEpoch: 0, baseSequence: 1, lastOffsetDelta: 0, maxTimestamp: 0 }, 1);
  saveProducerState(nodeFs, dir, state);
  const [second] = snapshots();
  expect(second).toBeDefined();
  // Loaded from that snapshot with nothing past it to replay (the log ends where it does): no write.
  const reloaded = loadProducerState(nodeFs, clock, dir, { logEndOffset: 2, logStartOffset: 0 } as PartitionLog);
  expect(reloaded.producerCount).toBe(1);
  fs.rmSync(path.join(dir, second));
  saveProducerState(nodeFs, dir, reloaded);
  expect(snapshots()).toEqual([]);
});
