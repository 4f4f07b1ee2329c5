// The chaos checker against histories whose truth is known: a clean one passes, and each kind of
// broken history (a lost, duplicated, reordered or phantom record, a consumer handed something
// not in the log, committed offsets going back) is caught and named. These are what prove the
// checker can fail.

import { describe, expect, test } from 'bun:test';
import { checkHistory, describeReport, type ViolationKind } from './checker.ts';
import { History, type ReadRecord, recordValue } from './history.ts';
import { compareReads, endsAfterLastRecord } from './workload.ts';

const T = 'chaos';

/** Producer p sends seqs 0..n-1 round-robin over `partitions`, all acknowledged in order; the log holds them. */
function cleanRun(n = 6, partitions = 2): { history: History; read: ReadRecord[] } {
  const history = new History();
  const read: ReadRecord[] = [];
  const next = new Array<number>(partitions).fill(0);
  for (let seq = 0; seq < n; seq++) {
    const partition = seq % partitions;
    const value = recordValue('p', seq);
    history.record({ kind: 'send', producer: 'p', seq, topic: T, partition, value });
    const offset = next[partition]++;
    history.record({ kind: 'ack', producer: 'p', seq, topic: T, partition, offset });
    read.push({ topic: T, partition, offset, value });
  }
  // A send that failed with an unknown outcome, which did not make it into the log: allowed.
  history.record({ kind: 'send', producer: 'p', seq: n, topic: T, partition: 0, value: recordValue('p', n) });
  history.record({ kind: 'send_failed', producer: 'p', seq: n, error: 'timeout' });
  history.record({ kind: 'consume', group: 'g', topic: T, partition: 0, offset: 0, value: recordValue('p', 0) });
  history.record({ kind: 'commit_acked', group: 'g', topic: T, partition: 0, offset: 1 });
  history.record({ kind: 'commit_observed', group: 'g', topic: T, partition: 0, offset: 1, askedAt: history.now() });
  history.record({ kind: 'commit_acked', group: 'g', topic: T, partition: 0, offset: 3 });
  return { history, read };
}

function kinds(history: History, read: readonly ReadRecord[]): ViolationKind[] {
  return checkHistory(history, read).violations.map((v) => v.kind);
}

describe('chaos checker', () => {
  test('a clean history passes, with its counts', () => {
    const { history, read } = cleanRun();
    const report = checkHistory(history, read);
    expect(report.violations).toEqual([]);
    expect({ sent: report.sent, acked: report.acked, failed: report.failed, checked: report.recordsChecked, commits: report.commitsChecked, consumed: report.consumed }).toEqual({
      sent: 7,
      acked: 6,
      failed: 1,
      checked: 6,
      commits: 3,
      consumed: 1,
    });
    expect(describeReport(report)).toContain('no violations');
  });

  test('a failed send that did reach the log, once, is allowed', () => {
    const { history, read } = cleanRun();
    read.push({ topic: T, partition: 0, offset: 3, value: recordValue('p', 6) });
    expect(kinds(history, read)).toEqual([]);
  });

  test('a lost acknowledged record is caught', () => {
    const { history, read } = cleanRun();
    const lost = read.splice(2, 1)[0];
    const report = checkHistory(history, read);
    expect(report.violations.map((v) => v.kind)).toEqual(['lost']);
    expect(report.violations[0].detail).toContain(lost.value);
    expect(describeReport(report)).toContain('1 VIOLATIONS');
  });

  test('an acknowledged record read at another offset than acknowledged is caught', () => {
    const { history, read } = cleanRun(2, 1);
    read[1] = { ...read[1], offset: 7 };
    expect(kinds(history, read)).toEqual(['lost']);
  });

  test('a duplicated record is caught (acknowledged or not)', () => {
    const { history, read } = cleanRun();
    read.push({ ...read[0], offset: 99 });
    expect(kinds(history, read)).toEqual(['duplicated']);
    const failedTwice = cleanRun();
    const v = recordValue('p', 6);
    failedTwice.read.push({ topic: T, partition: 0, offset: 3, value: v }, { topic: T, partition: 0, offset: 4, value: v });
    expect(kinds(failedTwice.history, failedTwice.read)).toEqual(['duplicated']);
  });

  test('records of one producer read out of acknowledgement order are caught', () => {
    const { history, read } = cleanRun(4, 1);
    // Swap the offsets of seq 1 and 2 in both the log and the acks, so only the order is wrong.
    const acks = history.events.filter((e) => e.kind === 'ack');
    const a1 = history.events.indexOf(acks[1]);
    const a2 = history.events.indexOf(acks[2]);
    history.events[a1] = { ...acks[1], offset: 2 } as (typeof history.events)[number];
    history.events[a2] = { ...acks[2], offset: 1 } as (typeof history.events)[number];
    read[1] = { ...read[1], offset: 2 };
    read[2] = { ...read[2], offset: 1 };
    expect(kinds(history, read)).toEqual(['reordered']);
  });

  test('a phantom record (never sent, or in another partition than sent) is caught', () => {
    const { history, read } = cleanRun();
    read.push({ topic: T, partition: 1, offset: 3, value: 'ghost:1' });
    expect(kinds(history, read)).toEqual(['phantom']);
    const moved = cleanRun();
    moved.read.push({ topic: T, partition: 1, offset: 3, value: recordValue('p', 6) }); // p:6 was sent to partition 0
    expect(kinds(moved.history, moved.read)).toEqual(['phantom']);
  });

  test('a consumer handed a record the log does not hold there is caught', () => {
    const { history, read } = cleanRun();
    history.record({ kind: 'consume', group: 'g', topic: T, partition: 0, offset: 5, value: recordValue('p', 0) });
    expect(kinds(history, read)).toEqual(['consumed_phantom']);
  });

  test('committed offsets going backwards are caught: acknowledged, observed, and a read older than an acknowledged commit', () => {
    const acked = cleanRun();
    acked.history.record({ kind: 'commit_acked', group: 'g', topic: T, partition: 0, offset: 2 });
    expect(kinds(acked.history, acked.read)).toEqual(['offset_regressed']);

    const observed = cleanRun();
    observed.history.record({ kind: 'commit_observed', group: 'g', topic: T, partition: 0, offset: 3, askedAt: observed.history.now() });
    observed.history.record({ kind: 'commit_observed', group: 'g', topic: T, partition: 0, offset: 2, askedAt: observed.history.now() });
    expect(kinds(observed.history, observed.read)).toEqual(['offset_regressed', 'offset_regressed']);

    // A commit of 3 was acknowledged; a read asked afterwards shows 1 (the commit was lost).
    const lostCommit = cleanRun();
    lostCommit.history.record({ kind: 'commit_observed', group: 'g', topic: T, partition: 0, offset: 1, askedAt: lostCommit.history.now() });
    const report = checkHistory(lostCommit.history, lostCommit.read);
    expect(report.violations.map((v) => v.kind)).toEqual(['offset_regressed']);
    expect(report.violations[0].detail).toContain('acknowledged before the read was asked');
  });

  test('a read asked before a commit was acknowledged may show the older offset', () => {
    const { history, read } = cleanRun();
    // askedAt before the commit of 3 (the last event): the answer may predate it.
    history.record({ kind: 'commit_observed', group: 'g', topic: T, partition: 0, offset: 1, askedAt: history.now() - 1 });
    expect(kinds(history, read)).toEqual([]);
  });

  test('every kind at once is reported, each named', () => {
    const { history, read } = cleanRun();
    read.splice(0, 1); // lost p:0 ...
    read.push({ ...read[0], offset: 50 }); // duplicated
    read.push({ topic: T, partition: 0, offset: 51, value: 'x:0' }); // phantom
    history.record({ kind: 'commit_acked', group: 'g', topic: T, partition: 0, offset: 0 });
    const found = new Set(kinds(history, read));
    // ... so the consumer's p:0 is no longer in the log either.
    expect([...found].sort()).toEqual(['consumed_phantom', 'duplicated', 'lost', 'offset_regressed', 'phantom']);
  });

  test('two full reads are compared record by record: equal reads agree, a missing or changed record is named', () => {
    const { read } = cleanRun();
    expect(compareReads(read, [...read].reverse())).toEqual([]);
    expect(compareReads(read, read.slice(1))).toEqual([`${T}/0@0: 'p:0' vs missing`]);
    expect(compareReads(read.slice(1), read)).toEqual([`${T}/0@0: missing vs 'p:0'`]);
    expect(compareReads(read, [{ ...read[0], value: 'x' }, ...read.slice(1)])).toEqual([`${T}/0@0: 'p:0' vs 'x'`]);
  });

  test("the group's catch-up target is each partition's offset after its last record (a log may end in control records), 0 for an empty one", () => {
    // Partition 0 holds records at 1 and 2 (0 is the first leader's control batch); partition 2 nothing.
    const read: ReadRecord[] = [1, 2].map((offset) => ({ topic: T, partition: 0, offset, value: recordValue('p', offset) }));
    read.push({ topic: T, partition: 1, offset: 7, value: recordValue('p', 7) });
    expect([...endsAfterLastRecord(read, 3)]).toEqual([[0, 3], [1, 8], [2, 0]]);
  });
});
