// Forwarding controller operations to the controller leader: the `cluster.controller` RPC
// message (KRaft brokers forward admin requests to the active controller in an Envelope,
// KIP-590; here the node-to-node RPC carries them), and the channel every node's broker calls.
//
// Request:  op code (the Kafka apiKey) i16 | apiVersion i16 | length u32 | the request, encoded
//           with the API's own codec at apiVersion
// Answer:   status u8: 0 ok | appliedIndex i64 | length u32 | the response at apiVersion
//                      1 refused | errorCode i16 | message (string)
// The node the client asked is the sender, which the RPC handshake authenticated; the leader
// takes it as the operation's `receivedBy`. Every length is checked against the bytes there and
// CONTROLLER_MESSAGE_BYTES_MAX; anything wrong is DecodeError.
//
// The channel forwards once and never retries inside the cluster: a request that may have been
// served (the leader lost, the connection closed, no answer in time) is answered to the client
// as NOT_CONTROLLER or REQUEST_TIMED_OUT, both retriable, and a client's retry finds what was
// committed (CreateTopics: TOPIC_ALREADY_EXISTS), as from a Kafka cluster.

import { DecodeError, Reader, Writer } from '../../protocol/primitives.ts';
import { ErrorCode, kafkaError } from '../../protocol/errors.ts';
import { decoderFor, type Encodable, encoderFor, inRange } from '../../protocol/schema.ts';
import type { Index } from '../../raft/core/index.ts';
import type { MessageKind, RpcEndpoint } from '../../rpc/index.ts';
import type { NodeId } from '../controller/index.ts';
import { type ControllerOp, OP_BY_CODE } from './controller-ops.ts';
import type { ControllerService, ServiceAnswer } from './controller-service.ts';

export const CONTROLLER: MessageKind = { type: 4, name: 'cluster.controller', versions: { min: 1, max: 1 } };

/** A forwarded request or its answer: far above any CreateTopics a client sends (Kafka's socket.request.max.bytes is 100 MiB). */
export const CONTROLLER_MESSAGE_BYTES_MAX = 16 * 1024 * 1024;
/** Characters of a refusal's message on the wire. */
const MESSAGE_CHARS_MAX = 4_096;

const STATUS_OK = 0;
const STATUS_REFUSED = 1;

export interface ForwardedRequest {
  readonly op: ControllerOp;
  readonly apiVersion: number;
  readonly request: unknown;
}

export function encodeForwardedRequest(w: Writer, op: ControllerOp, apiVersion: number, request: unknown): void {
  w.int16(op.code);
  w.int16(apiVersion);
  writeSized(w, (inner) => encoderFor(op.api.request, apiVersion, inRange(op.api.flexible, apiVersion))(inner, request as never));
}

export function decodeForwardedRequest(body: Uint8Array): ForwardedRequest {
  const r = new Reader(body);
  const code = r.int16();
  const op = OP_BY_CODE.get(code);
  if (op === undefined) throw new DecodeError(`controller operation ${code} is not one this node runs`);
  const apiVersion = r.int16();
  if (!inRange(op.api.versions, apiVersion)) throw new DecodeError(`${op.api.name} v${apiVersion} is outside v${op.api.versions.min}-${op.api.versions.max}`);
  const request = readSized(r, (inner) => decoderFor(op.api.request, apiVersion, inRange(op.api.flexible, apiVersion))(inner));
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after a forwarded ${op.api.name}`);
  return { op, apiVersion, request };
}

export function encodeForwardedAnswer(op: ControllerOp, apiVersion: number, a: ServiceAnswer): Uint8Array {
  const w = new Writer(256);
  if (a.ok) {
    w.int8(STATUS_OK);
    w.int64(a.appliedIndex);
    writeSized(w, (inner) => encoderFor(op.api.response, apiVersion, inRange(op.api.flexible, apiVersion))(inner, a.response as never));
  } else {
    w.int8(STATUS_REFUSED);
    w.int16(a.errorCode);
    w.string(a.message.slice(0, MESSAGE_CHARS_MAX));
  }
  return w.bytes();
}

export function decodeForwardedAnswer(op: ControllerOp, apiVersion: number, body: Uint8Array): ServiceAnswer {
  const r = new Reader(body);
  const status = r.int8();
  let a: ServiceAnswer;
  if (status === STATUS_OK) {
    const appliedIndex: Index = r.int64();
    if (appliedIndex < -1) throw new DecodeError(`applied index ${appliedIndex}`);
    const response = readSized(r, (inner) => decoderFor(op.api.response, apiVersion, inRange(op.api.flexible, apiVersion))(inner));
    a = { ok: true, appliedIndex, response: response as Encodable<unknown> };
  } else if (status === STATUS_REFUSED) {
    const errorCode = r.int16();
    const message = r.string();
    if (message === null || message.length > MESSAGE_CHARS_MAX) throw new DecodeError('a refusal without a message, or with one too long');
    a = { ok: false, errorCode, message };
  } else {
    throw new DecodeError(`controller answer status ${status}`);
  }
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after a controller answer`);
  return a;
}

function writeSized(w: Writer, write: (inner: Writer) => void): void {
  const inner = new Writer(256);
  write(inner);
  const bytes = inner.bytes();
  if (bytes.length > CONTROLLER_MESSAGE_BYTES_MAX) throw new RangeError(`a controller message of ${bytes.length} bytes (CONTROLLER_MESSAGE_BYTES_MAX ${CONTROLLER_MESSAGE_BYTES_MAX})`);
  w.uint32(bytes.length);
  w.raw(bytes);
}

function readSized<T>(r: Reader, read: (inner: Reader) => T): T {
  const n = r.uint32();
  if (n > CONTROLLER_MESSAGE_BYTES_MAX || n > r.remaining) throw new DecodeError(`a controller message of ${n} bytes in ${r.remaining}`);
  const inner = new Reader(r.raw(n));
  const value = read(inner);
  if (inner.remaining !== 0) throw new DecodeError(`${inner.remaining} bytes after a forwarded message's body`);
  return value;
}

export interface ControllerChannelOptions {
  readonly nodeId: NodeId;
  readonly rpc: RpcEndpoint;
  readonly service: ControllerService;
  /** The controller group's leader as this node knows it, null when none. */
  readonly leaderId: () => NodeId | null;
  readonly timeoutMs: number;
}

/** What every node's broker calls: runs an operation on the controller leader, wherever it is. */
export class ControllerChannel {
  constructor(private readonly o: ControllerChannelOptions) {}

  /**
   * The client's answer to `request`: the operation's, once its effects are applied on this
   * node; else the request refused with NOT_CONTROLLER or REQUEST_TIMED_OUT (retriable).
   */
  async call<Req, Res>(op: ControllerOp<Req, Res>, request: Req, apiVersion: number): Promise<Encodable<Res>> {
    const a = await this.run(op, request, apiVersion);
    if (!a.ok) return op.refuse(request, kafkaError(a.errorCode, a.message));
    if (!(await this.o.service.waitApplied(a.appliedIndex))) {
      return op.refuse(request, kafkaError(ErrorCode.REQUEST_TIMED_OUT, `done by the controller, but not yet applied on node ${this.o.nodeId} within ${this.o.timeoutMs} ms`));
    }
    return a.response as Encodable<Res>;
  }

  /** Serves a forwarded request on the leader (the `cluster.controller` handler). */
  async serve(from: NodeId, body: Uint8Array): Promise<Uint8Array> {
    let f: ForwardedRequest;
    try {
      f = decodeForwardedRequest(body);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // The op and version are unknown: an answer the asker cannot decode as its op's is still
      // a refusal it can read (status 1 comes before anything op-specific).
      const w = new Writer(64);
      w.int8(STATUS_REFUSED);
      w.int16(ErrorCode.INVALID_REQUEST);
      w.string(`a forwarded controller request this node cannot read: ${e.message}`.slice(0, MESSAGE_CHARS_MAX));
      return w.bytes();
    }
    const a = await this.o.service.submit(f.op, f.request, f.apiVersion, from);
    return encodeForwardedAnswer(f.op, f.apiVersion, a);
  }

  private async run<Req, Res>(op: ControllerOp<Req, Res>, request: Req, apiVersion: number): Promise<ServiceAnswer<Res>> {
    const leader = this.o.leaderId();
    if (leader === null) return { ok: false, errorCode: ErrorCode.NOT_CONTROLLER, message: 'the controller quorum has no leader now' };
    if (leader === this.o.nodeId) return this.o.service.submit(op, request, apiVersion, this.o.nodeId);
    const res = await this.o.rpc.request(leader, CONTROLLER, (w) => encodeForwardedRequest(w, op as ControllerOp, apiVersion, request), this.o.timeoutMs);
    if (!res.ok) {
      const errorCode = res.error === 'timeout' ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NOT_CONTROLLER;
      return { ok: false, errorCode, message: `the controller leader (node ${leader}) did not answer: ${res.error}: ${res.message}` };
    }
    try {
      return decodeForwardedAnswer(op as ControllerOp, apiVersion, res.body) as ServiceAnswer<Res>;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return { ok: false, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, message: `the controller leader (node ${leader}) answered bytes this node cannot read: ${e.message}` };
    }
  }
}
