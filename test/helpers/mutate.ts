// Byte-level mutations for the decoder fuzzers (the Raft wire, the controller's records): each
// call makes one random change of a kind that breaks decoders in practice: flipped bits, a cut,
// a huge varint count (at a position where a count was written, when the encoder marked them),
// inserted bytes, overwritten bytes, or noise of the same length. Seeded: a failure replays.

import type { Prng } from '../../src/base/prng.ts';

/** Varints that decode to counts far beyond any input: a decoder must check them first. */
export const HUGE_VARINTS: readonly number[][] = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0x7f],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
  [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
];

/** A mutated copy of `src`; `marks` are offsets where the encoder wrote a count, if known. */
export function mutate(src: Uint8Array, rng: Prng, marks: readonly number[] = []): Uint8Array {
  const b = src.slice();
  const pos = b.length === 0 ? 0 : rng.int(0, b.length - 1);
  const writeAt = (at: number, bytes: readonly number[]) => bytes.forEach((x, i) => at + i < b.length && (b[at + i] = x));
  switch (rng.int(0, 5)) {
    case 0:
      for (let i = rng.int(1, 4); i > 0 && b.length > 0; i--) b[rng.int(0, b.length - 1)] ^= 1 << rng.int(0, 7);
      return b;
    case 1:
      return b.subarray(0, rng.int(0, b.length));
    case 2:
      writeAt(marks.length > 0 ? rng.pick(marks) : pos, rng.pick(HUGE_VARINTS));
      return b;
    case 3:
      return insertRandom(b, pos, rng);
    case 4:
      writeAt(pos, [...rng.bytes(rng.int(1, 3))]);
      return b;
    default:
      return rng.bytes(b.length);
  }
}

/** `b` with 1 to 8 random bytes inserted at `pos`. */
export function insertRandom(b: Uint8Array, pos: number, rng: Prng): Uint8Array {
  const extra = rng.bytes(rng.int(1, 8));
  const out = new Uint8Array(b.length + extra.length);
  out.set(b.subarray(0, pos));
  out.set(extra, pos);
  out.set(b.subarray(pos), pos + extra.length);
  return out;
}
