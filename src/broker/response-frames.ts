// Framing answers for the wire and batching them into writes (connection.ts).

import { encodeResponseHeader } from '../protocol/header.ts';
import { Writer } from '../protocol/primitives.ts';
import { concatBytes } from '../base/bytes.ts';

/** Small pieces are merged into one write (one syscall); larger ones are written as they are. */
const MERGE_MAX_BYTES = 64 * 1024;

/** Frames an answer: size, response header, body. Large record arrays stay referenced. */
export function frameResponse(correlationId: number, flexibleHeader: boolean, body: (w: Writer) => void): Uint8Array[] {
  const w = new Writer(256, true);
  w.int32(0);
  encodeResponseHeader(w, correlationId, flexibleHeader);
  body(w);
  const pieces = w.pieces();
  const first = pieces[0];
  new DataView(first.buffer, first.byteOffset, 4).setInt32(0, w.length - 4);
  return pieces;
}

/** Takes the next piece off the queue `out`, merged with the small ones after it. */
export function takeNextWrite(out: Uint8Array[]): Uint8Array {
  const first = out.shift()!;
  if (first.length >= MERGE_MAX_BYTES || out.length === 0 || out[0].length >= MERGE_MAX_BYTES) return first;
  let n = first.length;
  let k = 0;
  while (k < out.length && out[k].length < MERGE_MAX_BYTES && n + out[k].length <= MERGE_MAX_BYTES) {
    n += out[k].length;
    k++;
  }
  if (k === 0) return first;
  return concatBytes([first, ...out.splice(0, k)]);
}

