import { describe, expect, test } from 'bun:test';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../../src/protocol/consumer-protocol.ts';
import { DecodeError } from '../../../src/protocol/primitives.ts';

/** Bytes written out by hand in Kafka's layout: int16 version, then the v0 fields. */
function handAssignmentV0(): Uint8Array {
  const b: number[] = [];
  const i16 = (v: number) => b.push((v >> 8) & 0xff, v & 0xff);
  const i32 = (v: number) => b.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  i16(0); // version
  i32(1); // one topic
  i16(6);
  b.push(...new TextEncoder().encode('orders'));
  i32(2); // partitions
  i32(0);
  i32(3);
  i32(-1); // null user data
  return Uint8Array.from(b);
}

describe('consumer protocol', () => {
  test('decodes an assignment laid out by hand (v0)', () => {
    expect(decodeAssignment(handAssignmentV0())).toEqual({ version: 0, assignedPartitions: [{ topic: 'orders', partitions: [0, 3] }], userData: null });
  });

  test('subscription round trip at every version; fields of later versions default', () => {
    const full = {
      topics: ['a', 'b'],
      userData: new Uint8Array([7]),
      ownedPartitions: [{ topic: 'a', partitions: [1] }],
      generationId: 5,
      rackId: 'rack-1',
    };
    for (let v = 0; v <= 3; v++) {
      const s = decodeSubscription(encodeSubscription(full, v))!;
      expect(s.version).toBe(v);
      expect(s.topics).toEqual(['a', 'b']);
      expect([...(s.userData ?? [])]).toEqual([7]);
      expect(s.ownedPartitions).toEqual(v >= 1 ? full.ownedPartitions : []);
      expect(s.generationId).toBe(v >= 2 ? 5 : -1);
      expect(s.rackId).toBe(v >= 3 ? 'rack-1' : null);
    }
  });

  test('a newer version is read with the newest format we know (later fields are appended)', () => {
    const v3 = encodeAssignment({ assignedPartitions: [{ topic: 't', partitions: [2] }] }, 3);
    const v9 = new Uint8Array(v3.length + 4);
    v9.set(v3);
    v9[1] = 9; // version 9, with four bytes of a field we do not know after
    expect(decodeAssignment(v9)).toEqual({ version: 9, assignedPartitions: [{ topic: 't', partitions: [2] }], userData: null });
  });

  test('an empty payload (member not synced yet) is null; garbage is a DecodeError', () => {
    expect(decodeAssignment(new Uint8Array(0))).toBeNull();
    expect(decodeSubscription(new Uint8Array(0))).toBeNull();
    expect(() => decodeAssignment(new Uint8Array([0, 0, 0x7f, 0xff, 0xff, 0xff]))).toThrow(DecodeError);
    expect(() => decodeAssignment(new Uint8Array([0xff, 0xff]))).toThrow(DecodeError);
  });
});
