// One Kafka client connection: framing, decoding, dispatch, in-order answers, backpressure.
// https://kafka.apache.org/protocol#protocol_network
//
// - A frame is an int32 size then that many bytes. A size < 0 or > socket.request.max.bytes
//   closes the connection before anything is allocated from it; bytes are buffered only as
//   they arrive, so a lying size costs at most what the peer actually sent.
// - Requests are pipelined: many may be in flight, answers go out in request order (Kafka
//   guarantees ordering per connection). At most queued.max.requests.per.connection are in
//   flight; past that, reading pauses until answers drain.
// - socket.write() takes what the kernel accepts; the rest waits here for `drain`
//   (BUN-NOTES: partial writes are normal). Reading pauses while unsent output is large.
// - Garbage (a frame that does not decode, an unknown API key, an unsupported version other
//   than ApiVersions') closes this connection only, as Kafka does.

import type { Socket } from 'bun';
import { decodeRequestHeader, encodeResponseHeader, skipTaggedFields } from '../protocol/header.ts';
import { ApiVersions } from '../protocol/messages/18-api-versions.ts';
import { DecodeError, Reader, Writer } from '../protocol/primitives.ts';
import { decoderFor, encoderFor, inRange } from '../protocol/schema.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { type AnyHandler, NO_RESPONSE, type RequestContext } from './handler.ts';
import type { Broker } from './broker.ts';
import { log } from '../base/log.ts';

/** Unsent output above which reading pauses until the peer catches up. */
export const OUTPUT_PAUSE_BYTES = 8 * 1024 * 1024;

interface Slot {
  done: boolean;
  bytes: Uint8Array | null;
}

export interface ConnectionLimits {
  requestMaxBytes: number;
  queuedMaxRequests: number;
}

export class Connection {
  private chunks: Uint8Array[] = [];
  private chunkBytes = 0;
  private readonly slots: Slot[] = [];
  private out: Uint8Array | null = null;
  private paused = false;
  private closing = false;
  private resolveClosed!: () => void;
  readonly closed = new Promise<void>((r) => (this.resolveClosed = r));

  constructor(
    readonly id: number,
    private readonly socket: Socket<unknown>,
    private readonly broker: Broker,
    private readonly handlers: ReadonlyMap<number, AnyHandler>,
    private readonly limits: ConnectionLimits,
  ) {}

  onData(data: Uint8Array): void {
    if (this.closing) return;
    this.chunks.push(data);
    this.chunkBytes += data.length;
    this.drainFrames();
  }

  onDrain(): void {
    this.flush();
  }

  onClose(): void {
    this.closing = true;
    this.chunks = [];
    this.resolveClosed();
  }

  close(reason: string): void {
    if (this.closing) return;
    log.debug(`connection ${this.id} closed: ${reason}`);
    this.closing = true;
    this.socket.end();
  }

  /** Cuts complete frames off the input and dispatches them while the in-flight window allows. */
  private drainFrames(): void {
    while (!this.closing && this.chunkBytes >= 4 && this.slots.length < this.limits.queuedMaxRequests) {
      const head = this.peekInt32();
      if (head < 0 || head > this.limits.requestMaxBytes) {
        this.close(`frame size ${head} outside [0, ${this.limits.requestMaxBytes}]`);
        return;
      }
      if (this.chunkBytes < 4 + head) break;
      const frame = this.take(4 + head).subarray(4);
      this.dispatch(frame);
    }
    this.updatePause();
  }

  private peekInt32(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return new DataView(first.buffer, first.byteOffset, 4).getInt32(0);
    const four = this.copyOut(4, false);
    return new DataView(four.buffer).getInt32(0);
  }

  /** Removes n bytes from the input; a view when they lie in one chunk. */
  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first.length >= n) {
      const v = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.chunkBytes -= n;
      return v;
    }
    return this.copyOut(n, true);
  }

  private copyOut(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const c = this.chunks[i];
      const k = Math.min(c.length, n - filled);
      out.set(c.subarray(0, k), filled);
      filled += k;
      if (consume) {
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      } else {
        i++;
      }
    }
    if (consume) this.chunkBytes -= n;
    return out;
  }

  private dispatch(frame: Uint8Array): void {
    const r = new Reader(frame);
    let header;
    try {
      header = decodeRequestHeader(r);
    } catch {
      this.close('malformed request header');
      return;
    }
    const h = this.handlers.get(header.apiKey);
    if (!h) {
      this.close(`unknown api key ${header.apiKey}`);
      return;
    }
    const api = h.api;
    if (!inRange(api.versions, header.apiVersion)) {
      if (header.apiKey === ApiVersions.apiKey) {
        // KIP-511: answer in v0 with the ranges so the client can pick a version it knows.
        this.enqueueApiVersionsFallback(header.correlationId);
        return;
      }
      this.close(`unsupported version ${header.apiVersion} of api ${header.apiKey}`);
      return;
    }
    const flexible = inRange(api.flexible, header.apiVersion);
    let request: unknown;
    try {
      if (flexible) skipTaggedFields(r);
      request = decoderFor(api.request, header.apiVersion, flexible)(r);
    } catch (e) {
      if (e instanceof DecodeError) {
        this.close(`malformed ${api.name} v${header.apiVersion}: ${e.message}`);
        return;
      }
      throw e;
    }
    const slot: Slot = { done: false, bytes: null };
    this.slots.push(slot);
    const ctx: RequestContext = {
      broker: this.broker,
      header,
      apiVersion: header.apiVersion,
      connectionId: this.id,
      closed: this.closed,
    };
    const complete = (result: unknown): void => {
      slot.done = true;
      if (result !== NO_RESPONSE) {
        // ApiVersions answers always use response header v0 (KIP-511).
        const flexHeader = flexible && api.apiKey !== ApiVersions.apiKey;
        slot.bytes = frameResponse(header.correlationId, flexHeader, (w) =>
          encoderFor(api.response, header.apiVersion, flexible)(w, result as never),
        );
      }
      this.flush();
    };
    const fail = (e: unknown): void => {
      log.error(`handler ${api.name} v${header.apiVersion} failed: ${e instanceof Error ? (e.stack ?? e.message) : e}`);
      this.close('handler error');
    };
    try {
      const result = h.handle(ctx, request as never);
      if (result instanceof Promise) result.then(complete, fail);
      else complete(result);
    } catch (e) {
      fail(e);
    }
  }

  private enqueueApiVersionsFallback(correlationId: number): void {
    const keys = this.broker.apiVersionRanges();
    const bytes = frameResponse(correlationId, false, (w) =>
      encoderFor(ApiVersions.response, 0, false)(w, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: keys }),
    );
    this.slots.push({ done: true, bytes });
    this.flush();
  }

  /** Writes every completed answer at the head of the queue, in order, in one write. */
  private flush(): void {
    if (this.closing) return;
    let ready: Uint8Array[] | null = null;
    while (this.slots.length > 0 && this.slots[0].done) {
      const s = this.slots.shift()!;
      if (s.bytes) (ready ??= []).push(s.bytes);
    }
    if (ready) {
      const pending = this.out ? [this.out, ...ready] : ready;
      this.out = pending.length === 1 ? pending[0] : concat(pending);
    }
    if (this.out) {
      const n = this.socket.write(this.out);
      if (n < 0) {
        this.close('socket ended');
        return;
      }
      this.out = n >= this.out.length ? null : this.out.subarray(n);
    }
    // Answers drained: frames held back by the in-flight window can go now.
    if (this.chunkBytes >= 4) this.drainFrames();
    else this.updatePause();
  }

  private updatePause(): void {
    const shouldPause =
      this.slots.length >= this.limits.queuedMaxRequests || (this.out !== null && this.out.length > OUTPUT_PAUSE_BYTES);
    if (shouldPause && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!shouldPause && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }
}

function frameResponse(correlationId: number, flexibleHeader: boolean, body: (w: Writer) => void): Uint8Array {
  const w = new Writer(256);
  w.int32(0);
  encodeResponseHeader(w, correlationId, flexibleHeader);
  body(w);
  w.view.setInt32(0, w.pos - 4);
  return w.bytes();
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
