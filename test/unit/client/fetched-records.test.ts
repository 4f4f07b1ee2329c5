// Where a fetch continues after an answer (nextFetchOffset): past every whole batch, control
// batches included, as Kafka's consumer moves its position (Fetcher: the next fetch offset is
// the last batch's nextOffset, whether or not the batch held a record for the application).

import { describe, expect, test } from 'bun:test';
import { nextFetchOffset, recordsFromFetch } from '../../../src/client/fetched-records.ts';
import { buildBatch } from '../../../src/protocol/records/records.ts';

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe('nextFetchOffset', () => {
  test('an answer holding only a control batch still moves the position past it', () => {
    const control = buildBatch({ baseOffset: 5, control: true, records: [{ key: new Uint8Array([0, 0, 0, 0]), value: new Uint8Array(6) }] });
    expect(recordsFromFetch(control, 5)).toEqual([]);
    expect(nextFetchOffset(control, 5)).toBe(6);
  });

  test('past the last whole batch; a partial batch at the end is read again next time', () => {
    const a = buildBatch({ baseOffset: 10, records: [{ value: 'a' }, { value: 'b' }] });
    const b = buildBatch({ baseOffset: 12, records: [{ value: 'c' }] });
    expect(nextFetchOffset(concat(a, b), 10)).toBe(13);
    expect(nextFetchOffset(concat(a, b.subarray(0, b.length - 3)), 10)).toBe(12);
  });

  test('a batch whose last records were compacted away counts to its last offset (lastOffsetDelta)', () => {
    // Offsets 20 and 23 left of 20..23: the batch's last offset delta is still 3.
    const compacted = buildBatch({ baseOffset: 20, records: [{ value: 'x', offsetDelta: 0 }, { value: 'y', offsetDelta: 3 }] });
    expect(recordsFromFetch(compacted, 20).map((r) => r.offset)).toEqual([20, 23]);
    expect(nextFetchOffset(compacted, 20)).toBe(24);
  });

  test('nothing fetched: the position stays', () => {
    expect(nextFetchOffset(null, 7)).toBe(7);
    expect(nextFetchOffset(new Uint8Array(0), 7)).toBe(7);
  });
});
