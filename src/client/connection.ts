// One client connection to one broker: correlation ids, pipelining, in-order answers, partial
// writes, a response size limit, request timeouts and ApiVersions negotiation.
// https://kafka.apache.org/protocol#protocol_network
//
// The connection never touches a real socket itself: a shell (tcp.ts) feeds it bytes (onData),
// drain and close events, and it writes through the `ClientSocket` it was given. Tests drive it
// with a fake socket, chunk by chunk.
//
// - Kafka answers requests in the order they were sent on a connection, so in-flight requests
//   are a FIFO; an answer whose correlation id is not the oldest one's breaks the protocol and
//   closes the connection (the Java client does the same).
// - A request that times out closes the connection, failing everything behind it: answers are
//   ordered, so nothing queued behind a silent request could arrive either (Java does the same).
// - An answer that does not decode fails that request only; framing is intact.

import { encodeRequestHeader, skipTaggedFields } from '../protocol/header.ts';
import { ApiVersions } from '../protocol/messages/18-api-versions.ts';
import { Reader, Writer } from '../protocol/primitives.ts';
import { type ApiDef, decoderFor, type Encodable, encoderFor, inRange, type RequestOf, type ResponseOf } from '../protocol/schema.ts';
import type { Scheduler } from '../base/scheduler.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { ClientError } from './errors.ts';
import { FrameDecoder } from './frame-decoder.ts';
import { IN_FLIGHT_REQUESTS_MAX, QUEUED_REQUESTS_MAX, REQUEST_TIMEOUT_MS, RESPONSE_MAX_BYTES } from './limits.ts';
import { OutputQueue, type Writable } from './output-queue.ts';
import { apiVersionsRetryVersion, type BrokerVersions, brokerVersionsFrom, negotiateVersion } from './versions.ts';

export interface ClientSocket extends Writable {
  end(): void;
}

/** Timers behind an interface so tests can run timeouts without waiting. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** A client's timers on the given scheduler (the system's, or a simulation's). */
export function schedulerTimers(scheduler: Scheduler): Timers {
  return {
    set: (fn, ms) => scheduler.after(ms, fn),
    clear: (cancel) => (cancel as () => void)(),
  };
}

export interface ConnectionOptions {
  clientId?: string;
  responseMaxBytes?: number;
  requestTimeoutMs?: number;
  inFlightMax?: number;
  queuedMax?: number;
  /** Request timeouts run on these. */
  timers: Timers;
  /** For messages: "127.0.0.1:9092". */
  address?: string;
}

export interface SendOptions {
  /** Overrides the connection's request timeout (Fetch adds its maxWaitMs). */
  timeoutMs?: number;
}

interface Pending {
  correlationId: number;
  label: string;
  frame: Uint8Array;
  decode: (r: Reader) => unknown;
  flexibleHeader: boolean;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: unknown;
}

const CLIENT_SOFTWARE_NAME = 'freshet-client';

export class Connection {
  readonly clientId: string;
  readonly address: string;
  private readonly frames: FrameDecoder;
  private readonly out: OutputQueue;
  private readonly timers: Timers;
  readonly requestTimeoutMs: number;
  private readonly inFlightMax: number;
  private readonly queuedMax: number;
  private readonly inFlight: Pending[] = [];
  private readonly queued: Pending[] = [];
  private nextCorrelationId = 1;
  private failure: ClientError | null = null;
  private brokerVersions: BrokerVersions | null = null;

  constructor(
    private readonly socket: ClientSocket,
    options: ConnectionOptions,
  ) {
    this.clientId = options.clientId ?? 'freshet';
    this.address = options.address ?? 'broker';
    this.frames = new FrameDecoder(options.responseMaxBytes ?? RESPONSE_MAX_BYTES);
    this.out = new OutputQueue(socket);
    this.timers = options.timers;
    this.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.inFlightMax = options.inFlightMax ?? IN_FLIGHT_REQUESTS_MAX;
    this.queuedMax = options.queuedMax ?? QUEUED_REQUESTS_MAX;
  }

  get closed(): boolean {
    return this.failure !== null;
  }

  get inFlightCount(): number {
    return this.inFlight.length;
  }

  get queuedCount(): number {
    return this.queued.length;
  }

  /** The broker's versions, once negotiate() has run. */
  get versions(): BrokerVersions | null {
    return this.brokerVersions;
  }

  // ------------------------------------------------------------------ events from the shell

  onData(chunk: Uint8Array): void {
    if (this.failure) return;
    let frames: Uint8Array[];
    try {
      frames = this.frames.push(chunk);
    } catch (e) {
      this.fail(e instanceof ClientError ? e : new ClientError('protocol', String(e)));
      return;
    }
    for (const frame of frames) {
      if (this.failure) return;
      this.answer(frame);
    }
  }

  onDrain(): void {
    if (this.failure) return;
    if (!this.out.flush()) this.fail(new ClientError('closed', `connection to ${this.address} ended while writing`));
  }

  onClose(): void {
    this.fail(new ClientError('closed', `connection to ${this.address} closed by the broker`), false);
  }

  close(): void {
    this.fail(new ClientError('closed', `connection to ${this.address} closed by the client`));
  }

  // ------------------------------------------------------------------ requests

  /** ApiVersions exchange: learns the broker's ranges, retrying lower if it refuses ours. */
  async negotiate(options: SendOptions = {}): Promise<BrokerVersions> {
    let version = ApiVersions.versions.max;
    for (;;) {
      const res = await this.sendWith(ApiVersions, version, { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: '1' }, options, apiVersionsDecoder(version));
      const ranges = brokerVersionsFrom(res.apiKeys);
      if (res.errorCode === ErrorCode.NONE) {
        this.brokerVersions = ranges;
        return ranges;
      }
      const retry = res.errorCode === ErrorCode.UNSUPPORTED_VERSION ? apiVersionsRetryVersion(ranges, version) : null;
      if (retry === null) {
        throw new ClientError('unsupported_version', `${this.address} refused ApiVersions v${version} (error code ${res.errorCode})`);
      }
      version = retry;
    }
  }

  /** The version negotiate() chose for `api`; throws ClientError 'unsupported_version'. */
  versionFor(api: ApiDef): number {
    if (this.brokerVersions === null) throw new ClientError('protocol', `versions of ${this.address} are not known yet (negotiate first)`);
    return negotiateVersion(api, this.brokerVersions);
  }

  /** Sends `body` at the negotiated version of `api`. */
  request<A extends ApiDef>(api: A, body: Encodable<RequestOf<A>>, options: SendOptions = {}): Promise<ResponseOf<A>> {
    let version: number;
    try {
      version = this.versionFor(api);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.send(api, version, body, options);
  }

  /** Sends `body` as `api` at `version` and resolves with the decoded answer. */
  send<A extends ApiDef>(api: A, version: number, body: Encodable<RequestOf<A>>, options: SendOptions = {}): Promise<ResponseOf<A>> {
    const flexible = inRange(api.flexible, version);
    const decode = decoderFor(api.response, version, flexible) as (r: Reader) => ResponseOf<A>;
    return this.sendWith(api, version, body, options, decode);
  }

  private sendWith<A extends ApiDef, T>(
    api: A,
    version: number,
    body: Encodable<RequestOf<A>>,
    options: SendOptions,
    decode: (r: Reader) => T,
  ): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.queued.length >= this.queuedMax) {
      return Promise.reject(new ClientError('overloaded', `${this.queued.length} requests already wait for ${this.address}`));
    }
    const flexible = inRange(api.flexible, version);
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const w = new Writer();
    w.int32(0);
    encodeRequestHeader(w, { apiKey: api.apiKey, apiVersion: version, correlationId, clientId: this.clientId }, flexible);
    encoderFor(api.request, version, flexible)(w, body as never);
    w.view.setInt32(0, w.pos - 4);
    const label = `${api.name} v${version}`;
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {
        correlationId,
        label,
        frame: w.bytes(),
        decode,
        // ApiVersions answers always use response header v0 (KIP-511).
        flexibleHeader: flexible && api.apiKey !== ApiVersions.apiKey,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: null,
      };
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      p.timer = this.timers.set(() => this.timedOut(p, timeoutMs), timeoutMs);
      this.queued.push(p);
      this.pump();
    });
  }

  /** Moves queued requests into flight while the window allows. */
  private pump(): void {
    while (!this.failure && this.queued.length > 0 && this.inFlight.length < this.inFlightMax) {
      const p = this.queued.shift()!;
      this.inFlight.push(p);
      if (!this.out.write(p.frame)) {
        this.fail(new ClientError('closed', `connection to ${this.address} ended while writing`));
        return;
      }
    }
  }

  private answer(frame: Uint8Array): void {
    const r = new Reader(frame);
    let correlationId: number;
    try {
      correlationId = r.int32();
    } catch {
      this.fail(new ClientError('protocol', `${this.address} sent a frame too short for a response header`));
      return;
    }
    const head = this.inFlight[0];
    if (head === undefined || head.correlationId !== correlationId) {
      const expected = head === undefined ? 'none in flight' : `expected ${head.correlationId}`;
      this.fail(new ClientError('protocol', `${this.address} answered correlation id ${correlationId} (${expected})`));
      return;
    }
    this.inFlight.shift();
    this.timers.clear(head.timer);
    try {
      if (head.flexibleHeader) skipTaggedFields(r);
      head.resolve(head.decode(r));
    } catch (e) {
      head.reject(new ClientError('protocol', `could not decode the ${head.label} answer from ${this.address}: ${e instanceof Error ? e.message : String(e)}`));
    }
    this.pump();
  }

  private timedOut(p: Pending, timeoutMs: number): void {
    if (this.failure) return;
    p.timer = null;
    const timeout = new ClientError('timeout', `${p.label} to ${this.address}: no answer within ${timeoutMs} ms`);
    p.reject(timeout);
    this.fail(new ClientError('closed', `connection to ${this.address} closed after ${p.label} timed out`));
  }

  /** Fails every request still waiting and closes the socket. */
  private fail(error: ClientError, endSocket = true): void {
    if (this.failure) return;
    this.failure = error;
    for (const p of [...this.inFlight.splice(0), ...this.queued.splice(0)]) {
      if (p.timer !== null) this.timers.clear(p.timer);
      p.reject(error);
    }
    if (endSocket) this.socket.end();
  }
}

/** Decodes an ApiVersions answer at `version`, falling back to v0: a broker that does not know
 *  our version answers in v0 with UNSUPPORTED_VERSION and its ranges (KIP-511). */
function apiVersionsDecoder(version: number): (r: Reader) => ResponseOf<typeof ApiVersions> {
  const flexible = inRange(ApiVersions.flexible, version);
  const decode = decoderFor(ApiVersions.response, version, flexible);
  const decodeV0 = decoderFor(ApiVersions.response, 0, false);
  return (r) => {
    const start = r.pos;
    const errorCode = r.int16();
    r.pos = start;
    if (errorCode === ErrorCode.UNSUPPORTED_VERSION || version === 0) return decodeV0(r);
    try {
      return decode(r);
    } catch {
      r.pos = start;
      return decodeV0(r);
    }
  };
}
