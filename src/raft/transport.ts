// The boundary between the Raft shell (groups, ticks, Readies) and what carries their messages
// between nodes (the internal RPC in production, an in-memory twin in simulations). The shell
// hands over, per destination node, every message its groups produced in one turn, so the
// heartbeats of thousands of groups between two nodes travel as one frame (issue 7: "an idle
// tick costs one message per peer").

import type { Message, NodeId } from './core/index.ts';
import type { RangeAnswer, RangeRequest } from './stream/protocol.ts';

/**
 * A Raft group of the cluster: a partition, named by its topic id and index
 * (`<topicId>:<partition>`), or the controller's metadata group (`CONTROLLER_GROUP`).
 */
export type GroupId = string;

/** The controller group: the cluster's metadata (DESIGN.md section 5). */
export const CONTROLLER_GROUP: GroupId = '__cluster_metadata:0';

export interface GroupMessage {
  readonly group: GroupId;
  readonly message: Message;
}

export interface RaftTransport {
  /**
   * Sends these messages to `to`, in this order, best effort: Raft tolerates loss, duplication
   * and delay (never reordering within one call). Never blocks, never throws; a peer that is
   * down or over its in-flight limit loses the messages. An empty call still goes: it is the
   * node-level heartbeat that quiet groups rely on (core/quiescence.ts).
   */
  send(to: NodeId, messages: readonly GroupMessage[]): void;
  /** Called with what another node sent, each call's messages in their order (empty calls too). One handler. */
  onMessages(handler: (from: NodeId, messages: readonly GroupMessage[]) => void): void;
  /**
   * Segment streaming (stream/README.md), when the transport carries it: asks `to` for a range
   * of committed batches. Null when the request or its answer was lost, refused or bad.
   */
  fetchRange?(to: NodeId, request: RangeRequest): Promise<RangeAnswer | null>;
  /** Serves other nodes' range requests. One handler. */
  onRangeRequest?(handler: (from: NodeId, request: RangeRequest) => RangeAnswer): void;
}
