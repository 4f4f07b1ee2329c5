// The frame: how bytes on a node-to-node connection are cut into messages. Pure: chunks in,
// frames out; headers in, bytes out.
//
//   length    u32   bytes after this field (header + body); checked against the limit as soon
//                   as its four bytes are here, before any of the frame is kept
//   kind      u8    FrameKind: hello, welcome, refusal, message, request, response
//   type      u16   the message type its user registered (0 for hello, welcome, refusal)
//   version   u16   the version of that type the body is written in (the framing version for
//                   hello / welcome / refusal)
//   corrId    u32   requests and their responses; 0 otherwise
//   body            the rest, the user's encoding
//
// Like Redpanda's rpc::header (version, payload size, method id, correlation id) minus the
// checksums: TCP checks the bytes on the wire and the payloads that matter (record batches)
// carry their own CRC32C. Big-endian, as the Kafka protocol.

import { DecodeError, Writer } from '../protocol/primitives.ts';
import { ChunkQueue } from '../base/chunk-queue.ts';

export const FRAME_PREFIX_BYTES = 4;
export const FRAME_HEADER_BYTES = 9;

export const FrameKind = {
  /** Dialer -> acceptor, first frame of a connection: who I am, what I speak (handshake.ts). */
  hello: 1,
  /** Acceptor -> dialer: accepted; who I am, what I speak. */
  welcome: 2,
  /** Either side, then the connection ends: why the handshake failed. */
  refusal: 3,
  /** One-way: no answer (Raft messages). */
  message: 4,
  request: 5,
  response: 6,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

const KINDS = new Set<number>(Object.values(FrameKind));

export interface FrameHeader {
  readonly kind: FrameKind;
  readonly type: number;
  readonly version: number;
  readonly correlationId: number;
}

export interface Frame extends FrameHeader {
  /** A view into the received bytes (never overwritten: each data event is a fresh buffer). */
  readonly body: Uint8Array;
}

/** Largest type, version and correlation id the header holds. */
export const TYPE_MAX = 0xffff;
export const VERSION_MAX = 0xffff;
export const CORRELATION_ID_MAX = 0xffffffff;

/** Writes the prefix and header at `at` (the length is patched by `patchFrameLength`). */
export function writeFrameHeader(view: DataView, at: number, h: FrameHeader): void {
  view.setUint32(at, 0);
  view.setUint8(at + 4, h.kind);
  view.setUint16(at + 5, h.type);
  view.setUint16(at + 7, h.version);
  view.setUint32(at + 9, h.correlationId);
}

/** Sets the length prefix of the frame that starts at `at` and ends at `end`. */
export function patchFrameLength(view: DataView, at: number, end: number): void {
  view.setUint32(at, end - at - FRAME_PREFIX_BYTES);
}

/** One whole frame as bytes (for hellos, refusals and tests; data frames are written in place). */
export function encodeFrame(h: FrameHeader, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES + body.length);
  const view = new DataView(out.buffer);
  writeFrameHeader(view, 0, h);
  out.set(body, FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES);
  patchFrameLength(view, 0, out.length);
  return out;
}

/**
 * Cuts frames out of a byte stream that arrives in chunks of any size. Throws DecodeError on a
 * length outside [header, limit] or an unknown kind; after that the stream cannot be trusted
 * and the caller closes the connection. The limit may change between pushes (it grows once the
 * handshake has said who the peer is).
 */
export class FrameDecoder {
  private readonly input = new ChunkQueue();
  /** Length of the frame being assembled; -1 while its prefix is incomplete. */
  private frameBytes = -1;

  constructor(public frameBytesMax: number) {}

  /** Bytes held that do not yet form a whole frame. */
  get pendingBytes(): number {
    return this.input.length;
  }

  /** Takes one chunk; returns every frame it completes, in order. */
  push(chunk: Uint8Array): Frame[] {
    this.input.push(chunk);
    const frames: Frame[] = [];
    for (;;) {
      if (this.frameBytes < 0) {
        if (this.input.length < FRAME_PREFIX_BYTES) break;
        const prefix = this.input.take(FRAME_PREFIX_BYTES);
        const n = new DataView(prefix.buffer, prefix.byteOffset, FRAME_PREFIX_BYTES).getUint32(0);
        if (n < FRAME_HEADER_BYTES) throw new DecodeError(`frame of ${n} bytes is shorter than its ${FRAME_HEADER_BYTES}-byte header`);
        if (n > this.frameBytesMax) throw new DecodeError(`frame of ${n} bytes exceeds the limit of ${this.frameBytesMax} bytes`);
        this.frameBytes = n;
      }
      if (this.input.length < this.frameBytes) break;
      frames.push(parseFrame(this.input.take(this.frameBytes)));
      this.frameBytes = -1;
    }
    return frames;
  }
}

function parseFrame(bytes: Uint8Array): Frame {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = view.getUint8(0);
  if (!KINDS.has(kind)) throw new DecodeError(`unknown frame kind ${kind}`);
  return {
    kind: kind as FrameKind,
    type: view.getUint16(1),
    version: view.getUint16(3),
    correlationId: view.getUint32(5),
    body: bytes.subarray(FRAME_HEADER_BYTES),
  };
}

/**
 * Encodes frames into one buffer reused from send to send: a frame the socket takes whole (the
 * usual case) costs no allocation; the send queue copies what it has to keep. A buffer grown
 * past `keepBytes` by one large frame is let go afterwards.
 */
export class FrameEncoder {
  private w: Writer;

  constructor(private readonly keepBytes: number) {
    this.w = new Writer(64 * 1024);
  }

  /** One frame; the bytes are valid until the next call. */
  encode(h: FrameHeader, writeBody: (w: Writer) => void, bodyBytesHint = 0): Uint8Array {
    if (this.w.buf.length > this.keepBytes) this.w = new Writer(64 * 1024);
    const w = this.w;
    w.pos = 0;
    w.ensure(FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES + bodyBytesHint);
    writeFrameHeader(w.view, 0, h);
    w.pos = FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES;
    writeBody(w);
    patchFrameLength(w.view, 0, w.pos);
    return w.buf.subarray(0, w.pos);
  }
}
