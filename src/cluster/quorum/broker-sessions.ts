// The controller leader's broker sessions (KRaft's BrokerHeartbeatManager): when each
// registered broker was last heard from (a heartbeat or a registration through the controller
// channel). A broker not heard from for broker.session.timeout.ms is fenced: Metadata and
// DescribeCluster stop listing it and no new replica is placed on it while others can take it
// (controller/placement.ts); its next heartbeat unfences it (controller/brokers.ts).
//
// In memory, on the leader only: a new leader starts every session afresh at the moment it
// starts serving, as Kafka's controller does on failover, so a leadership change never fences
// a live broker. Monotonic time: a wall-clock jump neither fences nor spares anyone.

import type { NodeId } from '../controller/index.ts';

/** Brokers tracked at most (a cluster holds at most BROKERS_MAX node ids; this bounds a misbehaving peer). */
export const BROKER_SESSIONS_MAX = 10_000;

export class BrokerSessions {
  private readonly lastHeardMs = new Map<NodeId, number>();
  private sinceMs = 0;

  /** This node starts serving as the controller: every session starts now. */
  restart(nowMs: number): void {
    this.lastHeardMs.clear();
    this.sinceMs = nowMs;
  }

  heard(nodeId: NodeId, nowMs: number): void {
    if (!this.lastHeardMs.has(nodeId) && this.lastHeardMs.size >= BROKER_SESSIONS_MAX) return;
    this.lastHeardMs.set(nodeId, nowMs);
  }

  /** Whether `nodeId` was not heard from for longer than `timeoutMs` (counted from `restart` for one never heard). */
  expired(nodeId: NodeId, nowMs: number, timeoutMs: number): boolean {
    return nowMs - (this.lastHeardMs.get(nodeId) ?? this.sinceMs) > timeoutMs;
  }
}
