// What every node learns of replicated partitions' leaders (quorum/partition-leaders.ts): the
// cluster.partition_leaders codec (round trip; a peer's bad bytes refused with DecodeError
// only), and the table's rule: a state is taken only when its leader epoch is not below the
// known one, so a deposed leader publishing late never overwrites its successor.

import { describe, expect, test } from 'bun:test';
import {
  decodePartitionLeaders,
  encodePartitionLeaders,
  ISR_MAX,
  PARTITION_STATES_PER_MESSAGE_MAX,
  type PartitionLeaderState,
  PartitionLeaderTable,
} from '../../../src/cluster/quorum/partition-leaders.ts';
import { DecodeError, Writer } from '../../../src/protocol/primitives.ts';

const TOPIC = 'AAAAAAAAAAAAAAAAAAAAAQ';
const state = (partition: number, leaderId: number, leaderEpoch: number, isr: number[] = [leaderId]): PartitionLeaderState => ({ group: `${TOPIC}:${partition}`, leaderId, leaderEpoch, isr });

function encoded(states: readonly PartitionLeaderState[]): Uint8Array {
  const w = new Writer(64);
  encodePartitionLeaders(w, states);
  return w.bytes().slice();
}

describe('cluster.partition_leaders codec', () => {
  test('round trips', () => {
    const states = [state(0, 1, 3, [1, 2, 3]), state(1, 2, 1), state(7, 3, 12, [])];
    expect(decodePartitionLeaders(encoded(states))).toEqual(states);
    expect(decodePartitionLeaders(encoded([]))).toEqual([]);
  });

  test("a peer's bad bytes are a DecodeError: truncated, trailing, too many states, an ISR past its limit, an empty group", () => {
    const good = encoded([state(0, 1, 3, [1, 2, 3])]);
    const tooMany = new Writer(8);
    tooMany.uvarint(PARTITION_STATES_PER_MESSAGE_MAX + 1);
    const bigIsr = new Writer(32);
    bigIsr.uvarint(1);
    bigIsr.compactString(`${TOPIC}:0`);
    bigIsr.int32(1);
    bigIsr.int32(1);
    bigIsr.uvarint(ISR_MAX + 1);
    const emptyGroup = new Writer(32);
    emptyGroup.uvarint(1);
    emptyGroup.compactString('');
    for (const bad of [good.subarray(0, good.length - 2), new Uint8Array([...good, 0]), tooMany.bytes().slice(), bigIsr.bytes().slice(), emptyGroup.bytes().slice()]) {
      expect(() => decodePartitionLeaders(bad)).toThrow(DecodeError);
    }
  });

  test('a sender never puts more than a message holds', () => {
    expect(() => encoded(Array.from({ length: PARTITION_STATES_PER_MESSAGE_MAX + 1 }, (_, i) => state(i, 1, 1)))).toThrow();
  });
});

describe('the table of leaders', () => {
  test('unknown until published; a newer epoch replaces, the same epoch refreshes the ISR, an older one is ignored', () => {
    const t = new PartitionLeaderTable();
    expect(t.get(TOPIC, 0)).toBeUndefined();
    expect(t.getIsr(TOPIC, 0)).toBeNull();
    expect(t.learn([state(0, 1, 2, [1, 2, 3])])).toBe(1);
    expect(t.get(TOPIC, 0)).toEqual({ leaderId: 1, leaderEpoch: 2 });
    // The same leader in the same term: its ISR shrank.
    expect(t.learn([state(0, 1, 2, [1, 2])])).toBe(1);
    expect(t.getIsr(TOPIC, 0)).toEqual([1, 2]);
    // Node 2 won term 3; node 1, deposed, publishes its term-2 view late: ignored.
    t.learn([state(0, 2, 3, [2])]);
    expect(t.learn([state(0, 1, 2, [1, 2, 3])])).toBe(0);
    expect(t.get(TOPIC, 0)).toEqual({ leaderId: 2, leaderEpoch: 3 });
    expect(t.getIsr(TOPIC, 0)).toEqual([2]);
    // Other partitions and topics are apart.
    expect(t.get(TOPIC, 1)).toBeUndefined();
    t.learn([state(1, 3, 1)]);
    t.forgetTopic(TOPIC);
    expect(t.size).toBe(0);
  });
});
