// Idempotent producer state: the rules of Kafka's ProducerAppendInfo and ProducerStateEntry.

import { describe, expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { BatchHeader, RECORD_COUNT, BATCH_HEADER_BYTES } from '../../../src/protocol/records/batch.ts';
import { INT32_MAX } from '../../../src/transactions/producer-entry.ts';
import {
  PRODUCER_ID_EXPIRATION_MS_DEFAULT,
  ProducerState,
  type AppendCheck,
  type ProducerBatch,
} from '../../../src/transactions/producer-state.ts';

const T0 = 1_700_000_000_000;

function batch(producerId: number, producerEpoch: number, baseSequence: number, recordCount = 1, maxTimestamp = T0): ProducerBatch {
  return { producerId, producerEpoch, baseSequence, lastOffsetDelta: recordCount - 1, maxTimestamp };
}

function newState(clock = new ManualClock(T0), producersMax?: number): ProducerState {
  return new ProducerState({ clock, producersMax });
}

/** Checks the batch and, if it is to be appended, records it at the log end. Returns the check. */
function produce(state: ProducerState, b: ProducerBatch): AppendCheck {
  const result = state.check(b);
  if (result.kind === 'append') state.record(b, state.endOffset);
  return result;
}

function errorCode(r: AppendCheck): number | null {
  return r.kind === 'error' ? r.code : null;
}

describe('sequence checks', () => {
  test('batches without a producer id are appended and not tracked', () => {
    const s = newState();
    expect(produce(s, batch(-1, -1, -1, 3))).toEqual({ kind: 'append' });
    expect(s.producerCount).toBe(0);
    expect(s.endOffset).toBe(3);
  });

  test('in-order batches append and advance the last sequence', () => {
    const s = newState();
    expect(produce(s, batch(7, 0, 0, 2)).kind).toBe('append');
    expect(produce(s, batch(7, 0, 2, 3)).kind).toBe('append');
    expect(s.entry(7)?.lastSeq).toBe(4);
    expect(s.entry(7)?.lastDataOffset).toBe(4);
  });

  test('an unknown producer is accepted at any sequence (KIP-360, Kafka 2.5+)', () => {
    const s = newState();
    expect(produce(s, batch(7, 3, 42)).kind).toBe('append');
    expect(produce(s, batch(7, 3, 43)).kind).toBe('append');
  });

  test('a gap is OUT_OF_ORDER_SEQUENCE_NUMBER and changes nothing', () => {
    const s = newState();
    produce(s, batch(7, 0, 0, 5));
    expect(errorCode(produce(s, batch(7, 0, 6)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(s.entry(7)?.lastSeq).toBe(4);
    expect(s.endOffset).toBe(5);
    expect(produce(s, batch(7, 0, 5)).kind).toBe('append');
  });

  test('a negative sequence from an idempotent producer is INVALID_RECORD', () => {
    expect(errorCode(newState().check(batch(7, 0, -1)))).toBe(ErrorCode.INVALID_RECORD);
  });
});

describe('duplicates', () => {
  function fiveBatches(): ProducerState {
    const s = newState();
    produce(s, batch(-1, -1, -1, 10)); // offsets 0..9 from a non-idempotent producer
    for (let i = 0; i < 6; i++) expect(produce(s, batch(7, 0, i * 2, 2, T0 + i)).kind).toBe('append');
    return s; // producer 7: seqs 0..11 at offsets 10..21, the last 5 batches are seqs 2..11
  }

  test('each of the last 5 batches is answered with its original offsets', () => {
    const s = fiveBatches();
    for (let i = 1; i < 6; i++) {
      expect(s.check(batch(7, 0, i * 2, 2))).toEqual({
        kind: 'duplicate',
        baseOffset: 10 + i * 2,
        lastOffset: 11 + i * 2,
        maxTimestamp: T0 + i,
      });
    }
  });

  test('a batch older than the last 5 is OUT_OF_ORDER_SEQUENCE_NUMBER, as Kafka answers', () => {
    const s = fiveBatches();
    expect(errorCode(s.check(batch(7, 0, 0, 2)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  test('a duplicate must match both first and last sequence', () => {
    const s = fiveBatches();
    expect(errorCode(s.check(batch(7, 0, 10, 1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(errorCode(s.check(batch(7, 0, 9, 3)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  test('a duplicate sent with an older epoch is fenced, not answered', () => {
    const s = newState();
    produce(s, batch(7, 0, 0));
    produce(s, batch(7, 1, 0));
    expect(errorCode(s.check(batch(7, 0, 0)))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });
});

describe('epochs', () => {
  test('an older epoch is INVALID_PRODUCER_EPOCH (not PRODUCER_FENCED, since Kafka 2.7)', () => {
    const s = newState();
    produce(s, batch(7, 5, 0));
    expect(errorCode(s.check(batch(7, 4, 1)))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  test('a new epoch starts at sequence 0 and forgets the old batches', () => {
    const s = newState();
    produce(s, batch(7, 0, 0, 3));
    expect(errorCode(s.check(batch(7, 1, 3)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(produce(s, batch(7, 1, 0)).kind).toBe('append');
    expect(s.entry(7)?.producerEpoch).toBe(1);
    expect(s.entry(7)?.batchMetadata.length).toBe(1);
    expect(produce(s, batch(7, 1, 1)).kind).toBe('append');
  });
});

describe('int32 sequence wraparound', () => {
  test('a batch may wrap from INT32_MAX to 0, and the next one continues', () => {
    const s = newState();
    expect(produce(s, batch(7, 0, INT32_MAX - 3, 2)).kind).toBe('append'); // unknown: any seq
    expect(produce(s, batch(7, 0, INT32_MAX - 1, 3)).kind).toBe('append'); // MAX-1, MAX, 0
    expect(s.entry(7)?.lastSeq).toBe(0);
    expect(s.check(batch(7, 0, INT32_MAX - 1, 3))).toEqual({
      kind: 'duplicate',
      baseOffset: 2,
      lastOffset: 4,
      maxTimestamp: T0,
    });
    expect(produce(s, batch(7, 0, 1)).kind).toBe('append');
  });

  test('after a batch ending at INT32_MAX the next sequence is 0', () => {
    const s = newState();
    produce(s, batch(7, 0, INT32_MAX - 1, 2));
    expect(errorCode(s.check(batch(7, 0, 1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(errorCode(s.check(batch(7, 0, INT32_MAX + 1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(produce(s, batch(7, 0, 0)).kind).toBe('append');
  });
});

describe('expiry and limits', () => {
  test('producers idle for producer.id.expiration.ms are forgotten', () => {
    const clock = new ManualClock(T0);
    const s = newState(clock);
    produce(s, batch(1, 0, 0, 1, T0));
    produce(s, batch(2, 0, 0, 1, T0 + 1000));
    clock.advance(PRODUCER_ID_EXPIRATION_MS_DEFAULT);
    expect(s.removeExpiredProducers()).toBe(1);
    expect(s.entry(1)).toBeUndefined();
    expect(s.entry(2)).toBeDefined();
    // Forgotten producers are unknown again: any sequence is accepted.
    expect(s.check(batch(1, 0, 9)).kind).toBe('append');
  });

  test('when full, the producer idle longest is evicted', () => {
    const s = newState(new ManualClock(T0), 3);
    produce(s, batch(1, 0, 0, 1, T0 + 30));
    produce(s, batch(2, 0, 0, 1, T0 + 10));
    produce(s, batch(3, 0, 0, 1, T0 + 20));
    produce(s, batch(4, 0, 0, 1, T0 + 40));
    expect(s.producerCount).toBe(3);
    expect(s.entry(2)).toBeUndefined();
    expect([...s.activeProducers()].map((e) => e.producerId).sort()).toEqual([1, 3, 4]);
  });
});

describe('BatchHeader input', () => {
  test('a real v2 header view is a ProducerBatch and an AppendedBatch', () => {
    const buf = new Uint8Array(BATCH_HEADER_BYTES);
    const v = new DataView(buf.buffer);
    v.setInt32(23, 2); // lastOffsetDelta
    v.setInt32(43 + 4, 99); // producerId low word
    v.setInt16(51, 3); // producerEpoch
    v.setInt32(53, 0); // baseSequence
    v.setInt32(RECORD_COUNT, 3);
    const header = new BatchHeader(buf);
    header.baseOffset = 100;
    const s = new ProducerState({ clock: new ManualClock(T0) }, 100);
    expect(s.check(header).kind).toBe('append');
    s.replay(header);
    expect(s.entry(99)?.lastSeq).toBe(2);
    expect(s.endOffset).toBe(103);
    expect(s.check(header)).toMatchObject({ kind: 'duplicate', baseOffset: 100, lastOffset: 102 });
  });
});
