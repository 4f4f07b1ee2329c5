// A minimal Kafka client over raw TCP built from the project's own codecs, for behaviour that
// no installed third-party client exercises (Fetch/Produce v13 with topic ids, incremental fetch
// sessions, exact idempotent-producer answers, pipelining). Compatibility itself is proven by the
// real-client tests; these prove semantics.

import { encodeRequestHeader, skipTaggedFields } from '../../src/protocol/header.ts';
import { Reader, Writer } from '../../src/protocol/primitives.ts';
import { type ApiDef, decoderFor, type Encodable, encoderFor, inRange, type RequestOf, type ResponseOf } from '../../src/protocol/schema.ts';

type Pending = { resolve: (frame: Uint8Array) => void; reject: (e: Error) => void };

export class RawClient {
  private buf = new Uint8Array(0);
  private readonly waiting: Pending[] = [];
  private nextCorrelationId = 1;
  private closedError: Error | null = null;
  closed = false;

  private constructor(private socket: import('bun').Socket<undefined>) {}

  static async connect(port: number): Promise<RawClient> {
    let client!: RawClient;
    const socket = await Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        data: (_s, data) => client.onData(data),
        close: () => client.onClose(),
        error: () => client.onClose(),
      },
    });
    client = new RawClient(socket);
    return client;
  }

  private onData(data: Uint8Array): void {
    const merged = new Uint8Array(this.buf.length + data.length);
    merged.set(this.buf);
    merged.set(data, this.buf.length);
    this.buf = merged;
    while (this.buf.length >= 4) {
      const size = new DataView(this.buf.buffer, this.buf.byteOffset).getInt32(0);
      if (this.buf.length < 4 + size) break;
      const frame = this.buf.slice(4, 4 + size);
      this.buf = this.buf.slice(4 + size);
      this.waiting.shift()?.resolve(frame);
    }
  }

  private onClose(): void {
    this.closed = true;
    this.closedError = new Error('connection closed by the broker');
    for (const w of this.waiting.splice(0)) w.reject(this.closedError);
  }

  /** Encodes and writes a request; resolves with the decoded response (in request order). */
  send<A extends ApiDef>(api: A, version: number, body: Encodable<RequestOf<A>>): Promise<ResponseOf<A>> {
    const w = this.encode(api, version, body);
    const p = this.expect(api, version);
    this.socket.write(w);
    return p;
  }

  /** Encodes a request frame without sending it (for pipelining several in one write). */
  encode<A extends ApiDef>(api: A, version: number, body: Encodable<RequestOf<A>>): Uint8Array {
    const flexible = inRange(api.flexible, version);
    const w = new Writer();
    w.int32(0);
    encodeRequestHeader(w, { apiKey: api.apiKey, apiVersion: version, correlationId: this.nextCorrelationId++, clientId: 'raw-test' }, flexible);
    encoderFor(api.request, version, flexible)(w, body as never);
    w.view.setInt32(0, w.pos - 4);
    return w.bytes().slice();
  }

  /**
   * Sends a request and resolves with its response frame undecoded (correlation id first), for
   * checking the bytes with a decoder that is not ours (test/helpers/spec-decoder.ts).
   */
  sendForFrame<A extends ApiDef>(api: A, version: number, body: Encodable<RequestOf<A>>): Promise<Uint8Array> {
    const w = this.encode(api, version, body);
    const p = this.nextFrame();
    this.socket.write(w);
    return p;
  }

  private async nextFrame(): Promise<Uint8Array> {
    if (this.closedError) throw this.closedError;
    return await new Promise<Uint8Array>((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Registers for the next response frame and decodes it as `api` at `version`. */
  async expect<A extends ApiDef>(api: A, version: number): Promise<ResponseOf<A>> {
    const frame = await this.nextFrame();
    const r = new Reader(frame);
    r.int32(); // correlation id
    const flexible = inRange(api.flexible, version);
    if (flexible && api.apiKey !== 18) skipTaggedFields(r);
    return decoderFor(api.response, version, flexible)(r) as ResponseOf<A>;
  }

  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.end();
  }
}
