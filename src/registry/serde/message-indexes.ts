// Confluent's Protobuf message indexes: which message of the schema a payload holds, written
// between the 5-byte header and the message (docs "Wire format": "a variable length list of
// message indexes"; schema-registry protobuf-provider MessageIndexes.java). The list is a count
// and the indexes, each a zigzag varint (Kafka's ByteUtils.writeVarint / readVarint, as
// records' varints); the usual [0] (the schema's first message) is written as one 0 byte, and a
// count of 0 reads back as [0] (MessageIndexes.DEFAULT_INDEX). [1, 2] is the third message
// nested in the schema's second top-level message.
// Pure: bytes in, values out; errors are values.

import { codecFail, codecOk, type CodecOutcome } from './codec.ts';

/** Most indexes one payload may name: a path this deep is far past any real message nesting
 *  (the registry's parser caps nesting at NESTING_DEPTH_MAX), and it bounds the read. */
export const MESSAGE_INDEXES_MAX = 64;
/** Kafka's ByteUtils.readVarint reads at most 5 bytes ("Varint is too long"). */
const VARINT_BYTES_MAX = 5;

/** The bytes of `indexes`; [0] (and []) as the single byte 0. */
export function writeMessageIndexes(indexes: readonly number[]): Uint8Array {
  if (indexes.length === 0 || (indexes.length === 1 && indexes[0] === 0)) return Uint8Array.of(0);
  const out: number[] = [];
  zigzagVarint(indexes.length, out);
  for (const i of indexes) zigzagVarint(i, out);
  return Uint8Array.from(out);
}

/** ByteUtils.writeVarint: (v << 1) ^ (v >> 31), then 7 bits a byte, low first. */
function zigzagVarint(value: number, out: number[]): void {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

/** The indexes at the start of `payload` and where the message starts. */
export function readMessageIndexes(payload: Uint8Array): CodecOutcome<{ indexes: number[]; offset: number }> {
  let at = 0;
  const next = (): number | string => {
    let raw = 0;
    for (let i = 0; i < VARINT_BYTES_MAX; i++) {
      if (at >= payload.length) return 'Invalid message indexes: the payload ends inside them';
      const b = payload[at++] as number;
      raw |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return (raw >>> 1) ^ -(raw & 1);
    }
    return 'Invalid message indexes: Varint is too long';
  };
  const count = next();
  if (typeof count === 'string') return codecFail(count);
  if (count === 0) return codecOk({ indexes: [0], offset: at });
  if (count < 0 || count > MESSAGE_INDEXES_MAX) return codecFail(`Invalid message indexes: a count of ${count} (at most ${MESSAGE_INDEXES_MAX})`);
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) {
    const index = next();
    if (typeof index === 'string') return codecFail(index);
    if (index < 0) return codecFail(`Invalid message indexes: [${[...indexes, index].join(', ')}]`);
    indexes.push(index);
  }
  return codecOk({ indexes, offset: at });
}
