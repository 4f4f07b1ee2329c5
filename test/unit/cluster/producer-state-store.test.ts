// Producer-state snapshots on stop (src/cluster/producer-state-store.ts): a partition nothing was
// ever appended to writes none, so stopping a node with 10,000 empty partitions writes no files.

import { afterEach, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../../src/base/clock.ts';
import { saveProducerState } from '../../../src/cluster/producer-state-store.ts';
import { ProducerState } from '../../../src/transactions/producer-state.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

test('nothing appended: no snapshot; once a batch was appended: a snapshot', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-pstate-'));
  dirs.push(dir);
  const state = new ProducerState({ clock: new ManualClock() });
  saveProducerState(dir, state);
  expect(fs.readdirSync(dir)).toEqual([]);
  state.record({ producerId: -1, producerEpoch: -1, baseSequence: -1, lastOffsetDelta: 0, maxTimestamp: 0 }, 0);
  saveProducerState(dir, state);
  expect(fs.readdirSync(dir).filter((n) => n.endsWith('.snapshot')).length).toBe(1);
});
