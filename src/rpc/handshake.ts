// The handshake: the first frames of every connection say who each side is and what it speaks.
// The dialer sends a hello, the acceptor answers a welcome or a refusal (then closes); nothing
// else may come first. Pure: encode, decode, decide.
//
// hello and welcome bodies (their layout is fixed forever, so any version can read them):
//   magic          u32    "FRPC": not a Freshet node (a Kafka client on the wrong port) is told apart
//   framingMin/Max u16    the versions of the frame layout spoken (frame.ts); 1 today
//   nodeId         i32    the sender's node id
//   clusterId      compact string; both must be equal (the cluster check, see below)
//   kinds          uvarint count, then per message type: type u16, min u16, max u16, name
// refusal body: code u8, message (compact string), both for the logs of the side refused.
//
// Versions, as Kafka's ApiVersions does it per API but decided once per connection: each side
// lists the types it speaks with a version range; for a type both speak, both pick the highest
// version in both ranges. A type both speak with no common version refuses the connection (a
// node that cannot speak Raft to us is of no use, and it is a deployment error to report, not
// to limp along with); a type only one side speaks is simply not sendable on that connection.
//
// Who may connect: any node presenting our cluster id, whether or not we know its node id yet
// (a node joining the cluster dials the seeds before it is a member; KRaft observers do the
// same). The cluster id is a check against misdirected traffic, not authentication (TLS later).

import { DecodeError, Reader, Writer } from '../protocol/primitives.ts';

export const HANDSHAKE_MAGIC = 0x46525043; // "FRPC"
/** The frame layout of frame.ts. */
export const FRAMING_VERSION = { min: 1, max: 1 } as const;

export const CLUSTER_ID_BYTES_MAX = 255;
export const KIND_NAME_BYTES_MAX = 64;
/** Message types listed in one hello. */
export const HELLO_KINDS_MAX = 1024;
export const REFUSAL_MESSAGE_BYTES_MAX = 1024;
export const NODE_ID_MAX = 0x7fffffff;

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** A message type an RPC user registers: its number on the wire, its name, its versions. */
export interface MessageKind {
  readonly type: number;
  readonly name: string;
  readonly versions: VersionRange;
}

export interface Hello {
  readonly framing: VersionRange;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly kinds: readonly MessageKind[];
}

export const RefusalCode = {
  cluster_mismatch: 1,
  unsupported_framing: 2,
  version_mismatch: 3,
  /** The peer claims our own node id (two nodes configured with one id). */
  same_node_id: 4,
  /** The node's own admission rule said no. */
  not_admitted: 5,
  /** The acceptor holds as many connections as it may. */
  busy: 6,
} as const;
export type RefusalCode = (typeof RefusalCode)[keyof typeof RefusalCode];
const CODE_NAMES = new Map<number, string>(Object.entries(RefusalCode).map(([k, v]) => [v, k]));

export interface Refusal {
  readonly code: number;
  readonly message: string;
}

export function refusalCodeName(code: number): string {
  return CODE_NAMES.get(code) ?? `code ${code}`;
}

export function encodeHello(h: Hello): Uint8Array {
  const w = new Writer(256);
  w.uint32(HANDSHAKE_MAGIC);
  w.uint16(h.framing.min);
  w.uint16(h.framing.max);
  w.int32(h.nodeId);
  w.compactString(h.clusterId);
  w.uvarint(h.kinds.length);
  for (const k of h.kinds) {
    w.uint16(k.type);
    w.uint16(k.versions.min);
    w.uint16(k.versions.max);
    w.compactString(k.name);
  }
  return w.bytes().slice();
}

/** Decodes a hello or welcome body; throws DecodeError on anything malformed. */
export function decodeHello(body: Uint8Array): Hello {
  const r = new Reader(body);
  const magic = r.uint32();
  if (magic !== HANDSHAKE_MAGIC) throw new DecodeError(`not a Freshet RPC hello (magic 0x${magic.toString(16)})`);
  const framing = range(r.uint16(), r.uint16(), 'framing');
  const nodeId = r.int32();
  if (nodeId < 0) throw new DecodeError(`node id ${nodeId} is negative`);
  const clusterId = boundedString(r, CLUSTER_ID_BYTES_MAX, 'cluster id');
  const count = r.uvarint();
  if (count > HELLO_KINDS_MAX) throw new DecodeError(`hello lists ${count} message types, more than ${HELLO_KINDS_MAX}`);
  const kinds: MessageKind[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const type = r.uint16();
    const versions = range(r.uint16(), r.uint16(), `type ${type}`);
    const name = boundedString(r, KIND_NAME_BYTES_MAX, 'type name');
    if (seen.has(type)) throw new DecodeError(`hello lists type ${type} twice`);
    seen.add(type);
    kinds.push({ type, name, versions });
  }
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after the hello`);
  return { framing, nodeId, clusterId, kinds };
}

export function encodeRefusal(f: Refusal): Uint8Array {
  const w = new Writer(64);
  w.int8(f.code); // codes are below 128
  const m = f.message.length > REFUSAL_MESSAGE_BYTES_MAX / 3 ? `${f.message.slice(0, REFUSAL_MESSAGE_BYTES_MAX / 3 - 3)}...` : f.message;
  w.compactString(m);
  return w.bytes().slice();
}

export function decodeRefusal(body: Uint8Array): Refusal {
  const r = new Reader(body);
  const code = r.int8() & 0xff;
  const message = boundedString(r, REFUSAL_MESSAGE_BYTES_MAX, 'refusal message');
  return { code, message };
}

/** What one side decides about the other's hello: the versions per type, or why not. */
export type Agreement = { readonly ok: true; readonly framingVersion: number; readonly versions: ReadonlyMap<number, number> } | { readonly ok: false; readonly refusal: Refusal };

/**
 * Checks a peer's hello (or welcome) against our own: same cluster, a common framing version,
 * not our own node id, and a common version for every type both speak. Both sides run it and
 * reach the same versions.
 */
export function agree(ours: Hello, theirs: Hello): Agreement {
  const refuse = (code: RefusalCode, message: string): Agreement => ({ ok: false, refusal: { code, message } });
  if (theirs.clusterId !== ours.clusterId) {
    return refuse(RefusalCode.cluster_mismatch, `node ${theirs.nodeId} is in cluster '${theirs.clusterId}', this node ${ours.nodeId} in '${ours.clusterId}'`);
  }
  const framingVersion = Math.min(ours.framing.max, theirs.framing.max);
  if (framingVersion < Math.max(ours.framing.min, theirs.framing.min)) {
    return refuse(RefusalCode.unsupported_framing, `node ${theirs.nodeId} frames with versions ${show(theirs.framing)}, this node ${ours.nodeId} with ${show(ours.framing)}`);
  }
  if (theirs.nodeId === ours.nodeId) {
    return refuse(RefusalCode.same_node_id, `a peer at the other end also has node id ${ours.nodeId}: two nodes share one id`);
  }
  const mine = new Map(ours.kinds.map((k) => [k.type, k]));
  const versions = new Map<number, number>();
  for (const k of theirs.kinds) {
    const m = mine.get(k.type);
    if (m === undefined) continue;
    const v = Math.min(m.versions.max, k.versions.max);
    if (v < Math.max(m.versions.min, k.versions.min)) {
      return refuse(
        RefusalCode.version_mismatch,
        `node ${theirs.nodeId} speaks ${k.name} (type ${k.type}) in versions ${show(k.versions)}, this node ${ours.nodeId} in ${show(m.versions)}: upgrade one of them`,
      );
    }
    versions.set(k.type, v);
  }
  return { ok: true, framingVersion, versions };
}

function range(min: number, max: number, what: string): VersionRange {
  if (min > max) throw new DecodeError(`${what}: version range ${min}..${max} is empty`);
  return { min, max };
}

function show(r: VersionRange): string {
  return r.min === r.max ? `v${r.min}` : `v${r.min}..v${r.max}`;
}

function boundedString(r: Reader, bytesMax: number, what: string): string {
  const at = r.pos;
  const n = r.uvarint() - 1;
  if (n < 0) throw new DecodeError(`${what} is null`);
  if (n > bytesMax) throw new DecodeError(`${what} of ${n} bytes is longer than ${bytesMax}`);
  r.pos = at;
  return r.compactString();
}
