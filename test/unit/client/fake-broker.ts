// A scripted broker on the far side of a fake socket: it records what the client wrote (with
// the socket taking only as many bytes per write as the test allows) and builds answer frames
// with our own codecs, so connection tests run without TCP, timers or a real broker.

import type { ClientSocket, Timers } from '../../../src/client/connection.ts';
import { decodeRequestHeader, encodeResponseHeader } from '../../../src/protocol/header.ts';
import { Reader, Writer } from '../../../src/protocol/primitives.ts';
import { type ApiDef, type Encodable, encoderFor, inRange, type ResponseOf } from '../../../src/protocol/schema.ts';

export class FakeSocket implements ClientSocket {
  /** Everything the kernel "took", in order. */
  written: number[] = [];
  /** Bytes the next write may take; Infinity for no limit. Reset by the test. */
  acceptBytes = Infinity;
  writeCalls = 0;
  ended = false;

  write(bytes: Uint8Array): number {
    this.writeCalls++;
    if (this.ended) return -1;
    const n = Math.min(bytes.length, this.acceptBytes);
    if (this.acceptBytes !== Infinity) this.acceptBytes -= n;
    for (let i = 0; i < n; i++) this.written.push(bytes[i]);
    return n;
  }

  end(): void {
    this.ended = true;
  }

  /** Request headers of every whole frame written so far. */
  requests(): Array<{ apiKey: number; apiVersion: number; correlationId: number; clientId: string | null }> {
    const buf = Uint8Array.from(this.written);
    const out = [];
    let pos = 0;
    while (buf.length - pos >= 4) {
      const size = new DataView(buf.buffer, pos, 4).getInt32(0);
      if (buf.length - pos - 4 < size) break;
      out.push(decodeRequestHeader(new Reader(buf, pos + 4, pos + 4 + size)));
      pos += 4 + size;
    }
    return out;
  }
}

/** A response frame (size prefix included) for `api` at `version`. */
export function responseFrame<A extends ApiDef>(api: A, version: number, correlationId: number, body: Encodable<ResponseOf<A>>): Uint8Array {
  const flexible = inRange(api.flexible, version);
  const w = new Writer();
  w.int32(0);
  encodeResponseHeader(w, correlationId, flexible && api.apiKey !== 18);
  encoderFor(api.response, version, flexible)(w, body as never);
  w.view.setInt32(0, w.pos - 4);
  return w.bytes().slice();
}

/** Timers that fire only when the test says so. */
export class ManualTimers implements Timers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  set(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Fires every pending timer (in creation order). */
  fireAll(): void {
    for (const [id, t] of [...this.pending]) {
      this.pending.delete(id);
      t.fn();
    }
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
