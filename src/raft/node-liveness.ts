// Node-level liveness for quiet groups (core/quiescence.ts): which peer nodes this node has
// heard from lately, counted in the shell's ticks. Any frame from a peer counts, and a node sends
// each known peer an empty frame on every tick it sent that peer nothing else, so with 1,000
// quiet groups an idle tick costs one small frame per peer, not 1,000 heartbeats.
//
// Ticks, not wall time: a node that was paused (SIGSTOP, a long GC) has not ticked meanwhile, so
// it does not wrongly find every peer silent when it resumes; the peers found IT silent.
//
// Pure: the manager (raft-groups.ts) tells it what was heard and sent and when it ticks; it
// answers which peers to send the empty frame to and which just became unreachable.

import { assert } from '../base/assert.ts';
import type { NodeId } from './core/index.ts';

/** Peers one node tracks: far above any cluster's node count, a bound on a map fed by the network. */
export const PEERS_MAX = 4096;

/**
 * A peer is reported one tick short of an election timeout of silence. The woken follower's
 * first tick comes in the next tick (raft-groups.ts ticks its groups before it looks at
 * liveness) and quiescence.ts leaves it one tick short of the timeout, so it campaigns a
 * randomized timeout after the leader's last frame, as a follower that ticked all along would
 * (paper 5.2), and never in the tick of the report (the other followers find the silence
 * within about a tick: a vote request reaching one still in its lease is ignored). Measured:
 * with the full timeout here, a data partition's failover in the chaos round took ~150 ms longer.
 */
export function unreachableAfterTicksFor(electionTimeoutTicks: number): number {
  assert(electionTimeoutTicks >= 2, 'an election timeout of at least 2 ticks');
  return electionTimeoutTicks - 1;
}

interface PeerState {
  lastHeardTick: number;
  sentThisTick: boolean;
  unreachable: boolean;
}

export class NodeLiveness {
  private readonly peers = new Map<NodeId, PeerState>();
  private ticks = 0;

  constructor(
    readonly self: NodeId,
    /** A peer silent this many ticks is unreachable: the groups' election timeout. */
    readonly unreachableAfterTicks: number,
  ) {
    assert(unreachableAfterTicks >= 1, 'unreachableAfterTicks >= 1');
  }

  /** A peer this node exchanges Raft messages with (a member of one of its groups). */
  know(node: NodeId): void {
    if (node === this.self || this.peers.has(node) || this.peers.size >= PEERS_MAX) return;
    this.peers.set(node, { lastHeardTick: this.ticks, sentThisTick: false, unreachable: false });
  }

  /** A frame (possibly empty) came from `node`. */
  heard(node: NodeId): void {
    this.know(node);
    const p = this.peers.get(node);
    if (p === undefined) return;
    p.lastHeardTick = this.ticks;
    p.unreachable = false;
  }

  sent(node: NodeId): void {
    this.know(node);
    const p = this.peers.get(node);
    if (p !== undefined) p.sentThisTick = true;
  }

  isUnreachable(node: NodeId): boolean {
    return this.peers.get(node)?.unreachable ?? false;
  }

  /**
   * One tick passed. Returns the peers to send an empty frame to (nothing else went to them
   * this tick) and the peers that have just become unreachable (silent unreachableAfterTicks).
   */
  tick(): { heartbeatTo: NodeId[]; newlyUnreachable: NodeId[] } {
    this.ticks++;
    const heartbeatTo: NodeId[] = [];
    const newlyUnreachable: NodeId[] = [];
    for (const [node, p] of this.peers) {
      if (!p.sentThisTick) heartbeatTo.push(node);
      p.sentThisTick = false;
      if (!p.unreachable && this.ticks - p.lastHeardTick >= this.unreachableAfterTicks) {
        p.unreachable = true;
        newlyUnreachable.push(node);
      }
    }
    return { heartbeatTo, newlyUnreachable };
  }
}
