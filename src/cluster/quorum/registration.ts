// Broker registration: how nodes learn each other's addresses, and how a node that is not a
// seed joins the controller group. The node-to-node form of KRaft's BrokerRegistration and
// BrokerHeartbeat (KIP-631), kept in memory until the controller state machine replicates
// registrations as records.
//
// Every node sends `cluster.register` (its advertised RPC and Kafka addresses) to the controller
// leader when it starts and then every registerIntervalMs; the answer carries the leader's table
// of every registered broker, so each node learns the others' addresses within one interval,
// and a new leader learns every live node's address within one interval of its election (the
// leader pushes appends, so it must know where its learners are). A node the leader does not
// count as a member of the controller group is proposed as a learner (`add_learner`,
// dissertation 4.2.1; KRaft brokers are observers of the metadata log): joining is a
// registration the leader answers with `joining` until the membership entry is in its log.
// This file is the pure part: the message codec and the table; cluster-node.ts drives it.

import type { HostPort } from '../../base/network.ts';
import { DecodeError, Reader, Writer } from '../../protocol/primitives.ts';
import type { MessageKind } from '../../rpc/index.ts';

/** The RPC request type (raft.messages is type 1). */
export const REGISTER: MessageKind = { type: 2, name: 'cluster.register', versions: { min: 1, max: 1 } };

/** Brokers one table holds (and one answer lists): the controller group's membership limit. */
export const BROKERS_MAX = 1024;
/** A host name: DNS names are at most 253 bytes. */
export const HOST_BYTES_MAX = 255;

export interface BrokerRegistration {
  readonly nodeId: number;
  /** The advertised RPC address (--advertise-rpc-addr). */
  readonly rpc: HostPort;
  /** The advertised Kafka address (--advertise-kafka-addr). */
  readonly kafka: HostPort;
}

export type RegisterOutcome =
  /** The leader holds the node as a member of the controller group (voter or learner). */
  | 'registered'
  /** The leader proposed the node as a learner; ask again to learn when it is in. */
  | 'joining'
  /** Not the leader: ask `leaderId` (when known, else another node). */
  | 'not_leader'
  /** The leader cannot change the membership now (a change is in flight); ask again. */
  | 'retry'
  /** The table is full (BROKERS_MAX): the message says so. */
  | 'refused';

const OUTCOMES: readonly RegisterOutcome[] = ['registered', 'joining', 'not_leader', 'retry', 'refused'];

export interface RegisterAnswer {
  readonly outcome: RegisterOutcome;
  /** The leader as the answering node knows it; -1 when none. */
  readonly leaderId: number;
  readonly leaderEpoch: number;
  /** Every broker the answering node knows, itself included. */
  readonly brokers: readonly BrokerRegistration[];
  readonly message: string;
}

export function encodeRegisterRequest(w: Writer, self: BrokerRegistration): void {
  writeAddress(w, self.rpc);
  writeAddress(w, self.kafka);
}

/** The sender's registration; its node id is the one the handshake authenticated. */
export function decodeRegisterRequest(body: Uint8Array, from: number): BrokerRegistration {
  const r = new Reader(body);
  const rpc = readAddress(r);
  const kafka = readAddress(r);
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after a registration`);
  return { nodeId: from, rpc, kafka };
}

export function encodeRegisterAnswer(a: RegisterAnswer): Uint8Array {
  const w = new Writer(64 + a.brokers.length * 48);
  w.int8(OUTCOMES.indexOf(a.outcome));
  w.int32(a.leaderId);
  w.int32(a.leaderEpoch);
  w.uvarint(a.brokers.length);
  for (const b of a.brokers) {
    w.int32(b.nodeId);
    writeAddress(w, b.rpc);
    writeAddress(w, b.kafka);
  }
  w.compactString(a.message.slice(0, 200));
  return w.bytes().slice();
}

export function decodeRegisterAnswer(body: Uint8Array): RegisterAnswer {
  const r = new Reader(body);
  const outcome = OUTCOMES[r.int8()];
  if (outcome === undefined) throw new DecodeError('unknown registration outcome');
  const leaderId = r.int32();
  const leaderEpoch = r.int32();
  const count = r.uvarint();
  if (count > BROKERS_MAX) throw new DecodeError(`a registration answer lists ${count} brokers, more than ${BROKERS_MAX}`);
  const brokers: BrokerRegistration[] = [];
  for (let i = 0; i < count; i++) {
    const nodeId = r.int32();
    if (nodeId < 0) throw new DecodeError(`broker id ${nodeId}`);
    brokers.push({ nodeId, rpc: readAddress(r), kafka: readAddress(r) });
  }
  const message = r.compactString();
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after a registration answer`);
  return { outcome, leaderId, leaderEpoch, brokers, message };
}

function writeAddress(w: Writer, a: HostPort): void {
  w.compactString(a.host);
  w.uint16(a.port);
}

function readAddress(r: Reader): HostPort {
  const at = r.pos;
  const n = r.uvarint() - 1;
  if (n < 1 || n > HOST_BYTES_MAX) throw new DecodeError(`a host of ${n} bytes`);
  r.pos = at;
  return { host: r.compactString(), port: r.uint16() };
}

/** The brokers a node knows, by id: in memory, rebuilt from registrations after a restart. */
export class BrokerTable {
  private readonly byId = new Map<number, BrokerRegistration>();

  get size(): number {
    return this.byId.size;
  }

  get(nodeId: number): BrokerRegistration | undefined {
    return this.byId.get(nodeId);
  }

  /** Records `b`; 'changed' when it is new or moved, 'full' when there is no room for a new one. */
  put(b: BrokerRegistration): 'same' | 'changed' | 'full' {
    const had = this.byId.get(b.nodeId);
    if (had !== undefined && sameAddress(had.rpc, b.rpc) && sameAddress(had.kafka, b.kafka)) return 'same';
    if (had === undefined && this.byId.size >= BROKERS_MAX) return 'full';
    this.byId.set(b.nodeId, b);
    return 'changed';
  }

  /** Every broker, by node id. */
  all(): BrokerRegistration[] {
    return [...this.byId.values()].sort((a, b) => a.nodeId - b.nodeId);
  }
}

function sameAddress(a: HostPort, b: HostPort): boolean {
  return a.host === b.host && a.port === b.port;
}
