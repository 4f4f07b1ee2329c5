// A chunk of segment bytes streamed to a far-behind follower (stream/README.md), checked before
// a byte of it reaches the follower's log. The bytes come from another node: nothing here trusts
// a length it has not checked against the bytes left, and nothing allocates from one (batches
// are views into the received chunk). What a chunk must be, so that appending it verbatim keeps
// every rule a normal append keeps (paper 5.3; core/README.md, "The log model"):
//
//   - whole record batches of magic 2, each of a sane length and with a CRC32C that matches
//     (Kafka's replica fetcher checks the same before appending: LogValidator, ensureValid);
//   - contiguous offsets from the follower's log end (`firstIndex`), so nothing is skipped and
//     nothing overlaps what the follower holds;
//   - terms never decreasing, from the term of the entry the follower's log ends with, and
//     never past the term the follower asked in (a committed entry's term is at most the term
//     of any leader that knows it committed);
//   - no Raft membership entry: the core's membership takes effect when an entry is appended
//     (dissertation 4.1), so those go through the core's normal path, never around it.

import { assert } from '../../base/assert.ts';
import { DecodeError } from '../../protocol/primitives.ts';
import { ATTRIBUTES, BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, BatchHeader, CURRENT_MAGIC } from '../../protocol/records/batch.ts';
import { crc32c } from '../../protocol/records/crc32c.ts';
import { decodeRaftControl } from '../control-batch.ts';
import type { Index, Term } from '../core/index.ts';

/** What the follower asked for and holds: the chunk must continue its log exactly. */
export interface ChunkExpectation {
  /** The follower's log end: the chunk's first batch must start here. */
  readonly firstIndex: Index;
  /** The term of the follower's last entry (or snapshot point): the chunk's terms start at it or above. */
  readonly prevTerm: Term;
  /** The follower's current term: a committed entry it is sent has a term no higher. */
  readonly termMax: Term;
  /** The chunk may hold no more bytes than the follower asked for. */
  readonly bytesMax: number;
}

export type ChunkCheck =
  | { readonly ok: true; readonly lastIndex: Index; readonly lastTerm: Term; readonly batches: number }
  | { readonly ok: false; readonly reason: string };

const refuse = (reason: string): ChunkCheck => ({ ok: false, reason });

/** Checks `bytes` against the rules above; never throws on bad bytes. */
export function checkChunk(bytes: Uint8Array, expect: ChunkExpectation): ChunkCheck {
  assert(expect.bytesMax >= BATCH_HEADER_BYTES, 'a chunk must have room for a batch');
  if (bytes.length === 0) return refuse('an empty chunk');
  if (bytes.length > expect.bytesMax) return refuse(`${bytes.length} bytes, more than the ${expect.bytesMax} asked for`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let next = expect.firstIndex;
  let term = expect.prevTerm;
  let batches = 0;
  for (let pos = 0; pos < bytes.length; ) {
    const left = bytes.length - pos;
    if (left < BATCH_HEADER_BYTES) return refuse(`${left} bytes at ${pos}: shorter than a batch header`);
    const size = BATCH_LENGTH_PREFIX_BYTES + view.getInt32(pos + 8);
    if (size < BATCH_HEADER_BYTES || size > left) return refuse(`a batch of ${size} bytes at ${pos}, ${left} left`);
    const h = new BatchHeader(bytes, pos);
    if (h.magic !== CURRENT_MAGIC) return refuse(`magic ${h.magic} at ${pos}`);
    if (crc32c(bytes, pos + ATTRIBUTES, pos + size) !== h.crc) return refuse(`the CRC of the batch at offset ${h.baseOffset} does not match`);
    if (h.baseOffset !== next) return refuse(`a batch at offset ${h.baseOffset}, expected ${next}`);
    if (h.lastOffsetDelta < 0 || h.lastOffset > Number.MAX_SAFE_INTEGER) return refuse(`a batch at ${next} ends at ${h.lastOffset}`);
    const t = h.partitionLeaderEpoch;
    if (t < term) return refuse(`term ${t} at offset ${next} after term ${term}`);
    if (t > expect.termMax) return refuse(`term ${t} at offset ${next}, past the follower's term ${expect.termMax}`);
    if (h.isControl && isMembership(bytes, pos)) return refuse(`a membership entry at offset ${next}: it goes through the core`);
    next = h.lastOffset + 1;
    term = t;
    batches++;
    pos += size;
  }
  return { ok: true, lastIndex: next - 1, lastTerm: term, batches };
}

/** A Raft membership control batch (a malformed control batch counts: refused either way). */
function isMembership(bytes: Uint8Array, pos: number): boolean {
  try {
    return decodeRaftControl(bytes, pos)?.type === 'membership';
  } catch (e) {
    if (e instanceof DecodeError) return true;
    throw e;
  }
}
