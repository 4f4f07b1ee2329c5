// The binary codec of Raft messages between nodes: the body of one RPC frame carries the
// GroupMessages of one RaftTransport.send() call (rpc-transport.ts). Pure: values in, bytes
// out, and back.
//
// Version 1 (all integers big-endian or LEB128; "index" is a zig-zag varlong, -1 allowed):
//   from, to         uvarint node ids (every message of a frame has the same two)
//   count            uvarint, then per message:
//     group          u8 form, then: 0 same group as the previous message; 1 same topic as the
//                    previous message, uvarint partition; 2 topic id (16 bytes) + uvarint
//                    partition; 3 any other id: uvarint length, UTF-8 (at most 512 bytes). A partition group is
//                    "<topicId>:<partition>" (transport.ts); the forms 0 and 1 make the
//                    heartbeats of a topic's partitions cost ~5 bytes each, not ~30 (the point
//                    of batching per node pair, issue 7; CockroachDB coalesces its heartbeats
//                    per node pair for the same reason).
//     type           u8 (MESSAGE_TYPES), term uvarint, then per type:
//       append_entries           prevIndex, prevTerm, commit, entries (below)
//       append_entries_response  u8 reject; 0: matchIndex; 1: rejectedIndex, hintIndex, hintTerm
//       heartbeat                commit
//       heartbeat, quiesce (8)   commit (version 2)
//       request_vote             u8 flags (1 preVote, 2 transfer), lastIndex, lastTerm
//       request_vote_response    u8 flags (1 preVote, 2 granted)
//       install_snapshot         index, term, membership
//       heartbeat_response, timeout_now, heartbeat_response with wake (9, version 2): nothing more
//   entries: uvarint count, then per entry u8 kind, term, and
//       data (0)     uvarint record count (>= 1), uvarint payload length, payload bytes
//       control (1)  u8 0 leader_change: leaderId, node list; 1 membership: voters, learners
//     An entry's offsets are not sent: the first starts at prevIndex + 1 and each next one
//     after the last, so a decoded append is contiguous by construction (the core asserts it).
//   node list: uvarint count, uvarint ids. A membership's lists must be strictly ascending and
//     disjoint (types.ts), which the decoder checks, so no peer's bytes can trip the core's
//     assertions on them.
//
// Version 2 adds the quiescence flags (core/quiescence.ts) as two type codes, so a plain
// heartbeat costs what it did. Written to a version-1 node, a quiesce heartbeat goes as a plain one (that node never quiesces, so it answers); read from
// one, every heartbeat answer is a `wake` (its sender is awake: it never quiesces), so a quiet
// leader heartbeats a version-1 follower as it always did.
//
// Decoders check every length against the bytes remaining before allocating, build arrays by
// appending, and throw only DecodeError. Payloads are views into the frame, not copies.

import type { AppendEntries, Entry, Membership, Message, NodeId, SnapshotMeta } from './core/index.ts';
import { DecodeError, isUuid, Reader, uuidFromString, uuidToString, type Writer } from '../protocol/primitives.ts';
import type { GroupId, GroupMessage } from './transport.ts';

/** The versions of the Raft message body this node reads and writes. */
export const RAFT_WIRE_VERSIONS = { min: 1, max: 2 } as const;

/** Terms are Kafka leader epochs: int32. */
export const TERM_MAX = 0x7fffffff;
export const NODE_ID_MAX = 0x7fffffff;
export const PARTITION_MAX = 0x7fffffff;
/** A group named by a string (the controller's, or any id not of the partition form). */
export const GROUP_NAME_BYTES_MAX = 512;

const MESSAGE_TYPES = [
  'append_entries',
  'append_entries_response',
  'heartbeat',
  'heartbeat_response',
  'request_vote',
  'request_vote_response',
  'timeout_now',
  'install_snapshot',
] as const satisfies readonly Message['type'][];
const TYPE_CODE = new Map<string, number>(MESSAGE_TYPES.map((t, i) => [t, i]));
/** Version 2: a heartbeat with `quiesce`, a heartbeat answer with `wake` (core/quiescence.ts). */
const HEARTBEAT_QUIESCE = MESSAGE_TYPES.length;
const HEARTBEAT_RESPONSE_WAKE = MESSAGE_TYPES.length + 1;

function typeCode(m: Message, version: number): number {
  if (version >= 2 && m.type === 'heartbeat' && m.quiesce === true) return HEARTBEAT_QUIESCE;
  if (version >= 2 && m.type === 'heartbeat_response' && m.wake === true) return HEARTBEAT_RESPONSE_WAKE;
  return TYPE_CODE.get(m.type)!;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

const GroupForm = { same_group: 0, same_topic: 1, topic_partition: 2, name: 3 } as const;

export interface RaftBatch {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly messages: readonly GroupMessage[];
}

// ---- encoding ----

/** Writes `batch` in `version`. Every message must be from `batch.from` to `batch.to`. */
export function encodeRaftBatch(w: Writer, batch: RaftBatch, version: number): void {
  if (version < RAFT_WIRE_VERSIONS.min || version > RAFT_WIRE_VERSIONS.max) throw new RangeError(`raft wire: cannot write version ${version}`);
  w.uvarint(batch.from);
  w.uvarint(batch.to);
  w.uvarint(batch.messages.length);
  const groups = new GroupEncoder();
  for (const { group, message: m } of batch.messages) {
    if (m.from !== batch.from || m.to !== batch.to) throw new RangeError(`raft wire: message ${m.from}->${m.to} in a batch ${batch.from}->${batch.to}`);
    groups.write(w, group);
    w.int8(typeCode(m, version));
    w.uvarint(m.term);
    writeBody(w, m, version);
  }
}

function writeBody(w: Writer, m: Message, version: number): void {
  switch (m.type) {
    case 'append_entries':
      w.varlong(m.prevIndex);
      w.uvarint(m.prevTerm);
      w.varlong(m.commit);
      writeEntries(w, m);
      return;
    case 'append_entries_response':
      w.int8(m.reject ? 1 : 0);
      if (!m.reject) w.varlong(m.matchIndex);
      else {
        w.varlong(m.rejectedIndex);
        w.varlong(m.hintIndex);
        w.uvarint(m.hintTerm);
      }
      return;
    case 'heartbeat':
      w.varlong(m.commit);
      return;
    case 'heartbeat_response':
      return;
    case 'request_vote':
      w.int8((m.preVote ? 1 : 0) | (m.transfer ? 2 : 0));
      w.varlong(m.lastIndex);
      w.uvarint(m.lastTerm);
      return;
    case 'request_vote_response':
      w.int8((m.preVote ? 1 : 0) | (m.granted ? 2 : 0));
      return;
    case 'install_snapshot':
      w.varlong(m.snapshot.index);
      w.uvarint(m.snapshot.term);
      writeMembership(w, m.snapshot.membership);
      return;
    case 'timeout_now':
      return;
  }
}

function writeEntries(w: Writer, m: AppendEntries): void {
  w.uvarint(m.entries.length);
  let next = m.prevIndex + 1;
  for (const e of m.entries) {
    if (e.firstIndex !== next) throw new RangeError(`raft wire: entry at ${e.firstIndex} in an append expecting ${next}`);
    next = e.lastIndex + 1;
    w.int8(e.kind === 'data' ? 0 : 1);
    w.uvarint(e.term);
    if (e.kind === 'data') {
      w.uvarint(e.lastIndex - e.firstIndex + 1);
      w.uvarint(e.payload.length);
      w.raw(e.payload);
    } else if (e.control.type === 'leader_change') {
      w.int8(0);
      w.uvarint(e.control.leaderId);
      writeNodes(w, e.control.voters);
    } else {
      w.int8(1);
      writeMembership(w, e.control.membership);
    }
  }
}

function writeMembership(w: Writer, m: Membership): void {
  writeNodes(w, m.voters);
  writeNodes(w, m.learners);
}

function writeNodes(w: Writer, ids: readonly NodeId[]): void {
  w.uvarint(ids.length);
  for (const id of ids) w.uvarint(id);
}

/** Writes group ids in their shortest form given the previous one of the frame. */
class GroupEncoder {
  private previous: GroupId | null = null;
  private previousTopic: string | null = null;
  private readonly uuid = new Uint8Array(16);

  write(w: Writer, group: GroupId): void {
    if (group === this.previous) {
      w.int8(GroupForm.same_group);
      return;
    }
    this.previous = group;
    const p = partitionGroup(group);
    if (p === null) return this.writeName(w, group);
    if (p.topic === this.previousTopic) {
      w.int8(GroupForm.same_topic);
      w.uvarint(p.partition);
      return;
    }
    if (!canonicalTopicId(p.topic, this.uuid)) return this.writeName(w, group);
    this.previousTopic = p.topic;
    w.int8(GroupForm.topic_partition);
    w.raw(this.uuid);
    w.uvarint(p.partition);
  }

  private writeName(w: Writer, group: GroupId): void {
    const bytes = utf8Encoder.encode(group);
    if (bytes.length > GROUP_NAME_BYTES_MAX) throw new RangeError(`raft wire: group id of ${bytes.length} bytes: ${group.slice(0, 40)}...`);
    this.previousTopic = null;
    w.int8(GroupForm.name);
    w.uvarint(bytes.length);
    w.raw(bytes);
  }
}

/** "<22-char topic id>:<partition>" split, or null for any other form. */
function partitionGroup(group: GroupId): { topic: string; partition: number } | null {
  if (group.length < 24 || group.length > 33 || group.charCodeAt(22) !== 58 /* : */) return null;
  const digits = group.slice(23);
  if (!/^(0|[1-9][0-9]*)$/.test(digits)) return null;
  const partition = Number(digits);
  return partition <= PARTITION_MAX ? { topic: group.slice(0, 22), partition } : null;
}

/** Parses a topic id into `out`; false unless it is a uuid whose text form comes back unchanged. */
function canonicalTopicId(topic: string, out: Uint8Array): boolean {
  if (!isUuid(topic)) return false;
  uuidFromString(topic, out, 0);
  return uuidToString(out, 0) === topic;
}

/** Bytes a message takes on the wire, about (payloads exactly): for splitting a send into frames. */
export function groupMessageBytesEstimate(gm: GroupMessage): number {
  const m = gm.message;
  let n = 48 + gm.group.length;
  if (m.type === 'append_entries') for (const e of m.entries) n += 16 + (e.kind === 'data' ? e.payload.length : 64);
  if (m.type === 'install_snapshot') n += 8 * (m.snapshot.membership.voters.length + m.snapshot.membership.learners.length);
  return n;
}

// ---- decoding ----

/** Reads a batch written in `version`; throws DecodeError (only) on anything malformed. */
export function decodeRaftBatch(body: Uint8Array, version: number): RaftBatch {
  if (version < RAFT_WIRE_VERSIONS.min || version > RAFT_WIRE_VERSIONS.max) throw new DecodeError(`raft wire: version ${version} is not spoken here`);
  const r = new Reader(body);
  const from = nodeId(r);
  const to = nodeId(r);
  const count = countOf(r, 'messages');
  const groups = new GroupDecoder();
  const messages: GroupMessage[] = [];
  for (let i = 0; i < count; i++) {
    const group = groups.read(r);
    const code = r.int8();
    const flagged = version >= 2 && (code === HEARTBEAT_QUIESCE || code === HEARTBEAT_RESPONSE_WAKE);
    const type = flagged ? (code === HEARTBEAT_QUIESCE ? 'heartbeat' : 'heartbeat_response') : MESSAGE_TYPES[code];
    if (type === undefined) throw new DecodeError(`raft wire: unknown message type ${code}`);
    const term = termOf(r);
    messages.push({ group, message: withQuiescenceFlags(readBody(r, type, { from, to, term }), flagged, version) });
  }
  if (r.remaining !== 0) throw new DecodeError(`raft wire: ${r.remaining} bytes after the last message`);
  return { from, to, messages };
}

/** The flags of version 2's type codes; from a version-1 node every heartbeat answer is a wake (it never quiesces). */
function withQuiescenceFlags(m: Message, flagged: boolean, version: number): Message {
  if (m.type === 'heartbeat' && flagged) return { ...m, quiesce: true };
  if (m.type === 'heartbeat_response' && (flagged || version < 2)) return { ...m, wake: true };
  return m;
}

type Envelope = { readonly from: NodeId; readonly to: NodeId; readonly term: number };

function readBody(r: Reader, type: Message['type'], env: Envelope): Message {
  switch (type) {
    case 'append_entries': {
      const prevIndex = indexOf(r);
      const prevTerm = termOf(r);
      const commit = indexOf(r);
      return { ...env, type, prevIndex, prevTerm, commit, entries: readEntries(r, prevIndex) };
    }
    case 'append_entries_response': {
      const reject = r.int8();
      if (reject === 0) return { ...env, type, reject: false, matchIndex: indexOf(r) };
      if (reject !== 1) throw new DecodeError(`raft wire: reject flag ${reject}`);
      return { ...env, type, reject: true, rejectedIndex: indexOf(r), hintIndex: indexOf(r), hintTerm: termOf(r) };
    }
    case 'heartbeat':
      return { ...env, type, commit: indexOf(r) };
    case 'request_vote': {
      const flags = flagsOf(r, 3);
      return { ...env, type, preVote: (flags & 1) !== 0, transfer: (flags & 2) !== 0, lastIndex: indexOf(r), lastTerm: termOf(r) };
    }
    case 'request_vote_response': {
      const flags = flagsOf(r, 3);
      return { ...env, type, preVote: (flags & 1) !== 0, granted: (flags & 2) !== 0 };
    }
    case 'install_snapshot': {
      const snapshot: SnapshotMeta = { index: indexOf(r), term: termOf(r), membership: membershipOf(r) };
      return { ...env, type, snapshot };
    }
    case 'heartbeat_response':
    case 'timeout_now':
      return { ...env, type };
  }
}

function readEntries(r: Reader, prevIndex: number): Entry[] {
  const count = countOf(r, 'entries');
  const entries: Entry[] = [];
  let next = prevIndex + 1;
  for (let i = 0; i < count; i++) {
    const kind = r.int8();
    const term = termOf(r);
    if (kind === 0) {
      const records = r.uvarint();
      if (records < 1) throw new DecodeError('raft wire: a data entry of no records');
      const lastIndex = next + records - 1;
      if (!Number.isSafeInteger(lastIndex)) throw new DecodeError(`raft wire: entry end ${lastIndex} out of range`);
      const payload = r.raw(r.uvarint());
      entries.push({ kind: 'data', firstIndex: next, lastIndex, term, payload });
      next = lastIndex + 1;
    } else if (kind === 1) {
      entries.push({ kind: 'control', firstIndex: next, lastIndex: next, term, control: controlOf(r) });
      next++;
    } else throw new DecodeError(`raft wire: unknown entry kind ${kind}`);
  }
  return entries;
}

function controlOf(r: Reader): Extract<Entry, { kind: 'control' }>['control'] {
  const type = r.int8();
  if (type === 0) return { type: 'leader_change', leaderId: nodeId(r), voters: nodesOf(r) };
  if (type === 1) return { type: 'membership', membership: membershipOf(r) };
  throw new DecodeError(`raft wire: unknown control record type ${type}`);
}

function membershipOf(r: Reader): Membership {
  const voters = nodesOf(r);
  const learners = nodesOf(r);
  for (const list of [voters, learners]) {
    for (let i = 1; i < list.length; i++) if (list[i] <= list[i - 1]) throw new DecodeError('raft wire: membership list not strictly ascending');
  }
  const voterSet = new Set(voters);
  if (learners.some((l) => voterSet.has(l))) throw new DecodeError('raft wire: a node is both voter and learner');
  return { voters, learners };
}

function nodesOf(r: Reader): NodeId[] {
  const n = countOf(r, 'node ids');
  const out: NodeId[] = [];
  for (let i = 0; i < n; i++) out.push(nodeId(r));
  return out;
}

/** A count of items that take at least one byte each: never more than the bytes left. */
function countOf(r: Reader, what: string): number {
  const n = r.uvarint();
  if (n > r.remaining) throw new DecodeError(`raft wire: ${n} ${what} in ${r.remaining} bytes`);
  return n;
}

function nodeId(r: Reader): NodeId {
  const id = r.uvarint();
  if (id > NODE_ID_MAX) throw new DecodeError(`raft wire: node id ${id} out of range`);
  return id;
}

function termOf(r: Reader): number {
  const t = r.uvarint();
  if (t > TERM_MAX) throw new DecodeError(`raft wire: term ${t} out of range`);
  return t;
}

function indexOf(r: Reader): number {
  const i = r.varlong();
  if (!Number.isSafeInteger(i) || i < -1) throw new DecodeError(`raft wire: index ${i} out of range`);
  return i;
}

function flagsOf(r: Reader, allowed: number): number {
  const f = r.int8();
  if ((f & ~allowed) !== 0) throw new DecodeError(`raft wire: unknown flags ${f}`);
  return f;
}

class GroupDecoder {
  private previous: GroupId | null = null;
  private previousTopic: string | null = null;

  read(r: Reader): GroupId {
    const form = r.int8();
    switch (form) {
      case GroupForm.same_group:
        if (this.previous === null) throw new DecodeError('raft wire: "same group" on the first message');
        return this.previous;
      case GroupForm.same_topic:
        if (this.previousTopic === null) throw new DecodeError('raft wire: "same topic" after no topic');
        return this.set(`${this.previousTopic}:${partitionOf(r)}`, this.previousTopic);
      case GroupForm.topic_partition: {
        const topic = uuidToString(r.raw(16), 0);
        return this.set(`${topic}:${partitionOf(r)}`, topic);
      }
      case GroupForm.name: {
        const n = r.uvarint();
        if (n > GROUP_NAME_BYTES_MAX) throw new DecodeError(`raft wire: group name of ${n} bytes, more than ${GROUP_NAME_BYTES_MAX}`);
        return this.set(utf8.decode(r.raw(n)), null);
      }
      default:
        throw new DecodeError(`raft wire: unknown group form ${form}`);
    }
  }

  private set(group: GroupId, topic: string | null): GroupId {
    this.previous = group;
    this.previousTopic = topic;
    return group;
  }
}

function partitionOf(r: Reader): number {
  const p = r.uvarint();
  if (p > PARTITION_MAX) throw new DecodeError(`raft wire: partition ${p} out of range`);
  return p;
}
