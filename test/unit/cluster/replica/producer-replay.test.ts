// The producer state of a replicated partition (producer-replay.ts): the committed state fed
// by applied entries, and a leader's view of it plus its own log's uncommitted suffix, so that a
// retry reaching a new leader finds its batch whether it was committed or only in the suffix.

import { expect, test } from 'bun:test';
import { ManualClock } from '../../../../src/base/clock.ts';
import { leaderView, replayEntry } from '../../../../src/cluster/replica/producer-replay.ts';
import { buildBatch } from '../../../../src/protocol/records/records.ts';
import type { Entry } from '../../../../src/raft/core/index.ts';
import { ProducerState } from '../../../../src/transactions/producer-state.ts';

const options = { clock: new ManualClock() };

function data(firstIndex: number, producerId: number, baseSequence: number, count: number, term = 1): Entry {
  const payload = buildBatch({ baseOffset: firstIndex, producerId, producerEpoch: 0, baseSequence, records: Array.from({ length: count }, () => ({ value: 'x' })) });
  return { kind: 'data', firstIndex, lastIndex: firstIndex + count - 1, term, payload };
}

function control(index: number, term = 1): Entry {
  return { kind: 'control', firstIndex: index, lastIndex: index, term, control: { type: 'leader_change', leaderId: 1, voters: [1, 2, 3] } };
}

/** A core log over these entries (contiguous from the first). */
function coreLog(entries: Entry[]) {
  return {
    firstIndex: entries[0].firstIndex,
    lastIndex: entries[entries.length - 1].lastIndex,
    entryHolding: (i: number) => entries.find((e) => e.firstIndex <= i && i <= e.lastIndex) ?? null,
  };
}

const retry = (baseSequence: number, count: number) => ({ producerId: 7, producerEpoch: 0, baseSequence, lastOffsetDelta: count - 1, maxTimestamp: 0 });

test("a leader's view holds the committed batches and its log's uncommitted suffix: retries of either are duplicates at their offsets", () => {
  const log = [control(0), data(1, 7, 0, 2), data(3, 8, 0, 1), control(4, 2), data(5, 7, 2, 3, 2)];
  const committed = new ProducerState(options);
  for (const e of log.slice(0, 3)) replayEntry(committed, e); // applied up to 3
  const view = leaderView(committed, coreLog(log), options);
  expect(view.check(retry(0, 2))).toMatchObject({ kind: 'duplicate', baseOffset: 1, lastOffset: 2 });
  expect(view.check(retry(2, 3))).toMatchObject({ kind: 'duplicate', baseOffset: 5, lastOffset: 7 }); // only in the suffix
  expect(view.check(retry(5, 1))).toEqual({ kind: 'append' });
  expect(view.check(retry(9, 1))).toMatchObject({ kind: 'error' }); // a gap
  // The committed state is untouched: a follower's suffix may still be cut.
  expect(committed.check(retry(2, 3))).toEqual({ kind: 'append' });
  expect(committed.endOffset).toBe(4);
});

test('a view over a log that starts past the committed state (compacted) replays from the log start', () => {
  const log = [data(10, 7, 4, 2), data(12, 7, 6, 1)];
  const view = leaderView(new ProducerState(options), coreLog(log), options);
  expect(view.check(retry(6, 1))).toMatchObject({ kind: 'duplicate', baseOffset: 12 });
  expect(view.endOffset).toBe(13);
});
