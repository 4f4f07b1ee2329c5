// RaftTransport in memory, over the seeded message network of the core simulation
// (raft-core/network.ts): each send() call is one frame, lost, duplicated, delayed (so frames
// reorder) or cut as a whole, and the messages inside a frame keep their order, as over one
// TCP connection. Deliveries are timers of the world's scheduler; a frame arriving at a node
// that crashed meanwhile (or restarted: another incarnation) is dropped.

import type { Prng } from '../../../src/base/prng.ts';
import type { SimScheduler } from '../../../src/base/scheduler.ts';
import type { Entry, Message, NodeId } from '../../../src/raft/core/index.ts';
import type { GroupMessage, RaftTransport } from '../../../src/raft/transport.ts';
import { type NetworkFaults, SimNetwork } from '../raft-core/network.ts';

export interface Frame {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly messages: readonly GroupMessage[];
}

type Handler = (from: NodeId, messages: readonly GroupMessage[]) => void;

export class SimRaftNet {
  readonly network: SimNetwork<Frame>;
  private readonly handlers = new Map<NodeId, Handler>();
  /** send() calls, and messages in them, per sending node: what the batching is measured by. */
  readonly sendCalls = new Map<NodeId, number>();

  constructor(prng: Prng, faults: NetworkFaults, scheduler: SimScheduler) {
    this.network = new SimNetwork<Frame>(prng, faults, (frame, delayMs) => {
      scheduler.after(delayMs, () => this.deliver(frame));
    });
  }

  /** The transport of one incarnation of node `id` (a restart gets a new one). */
  transport(id: NodeId): RaftTransport {
    let handler: Handler | null = null;
    const net = this;
    const t: RaftTransport = {
      send(to, messages) {
        if (net.handlers.get(id) !== handler || handler === null) return; // a dead incarnation sends nothing
        net.sendCalls.set(id, (net.sendCalls.get(id) ?? 0) + 1);
        net.network.send({ from: id, to, messages: messages.map(copyOf) });
      },
      onMessages(h) {
        handler = h;
        net.handlers.set(id, h);
      },
    };
    return t;
  }

  /** Node `id` crashed: frames on their way to it are dropped on arrival. */
  detach(id: NodeId): void {
    this.handlers.delete(id);
  }

  private deliver(frame: Frame): void {
    const h = this.handlers.get(frame.to);
    if (h === undefined || !this.network.deliverable(frame)) return;
    h(frame.from, frame.messages);
  }
}

/** A deep copy of what crosses the wire: no node ever shares a buffer with another. */
function copyOf(gm: GroupMessage): GroupMessage {
  const m = gm.message;
  if (m.type !== 'append_entries') return { group: gm.group, message: { ...m } as Message };
  return { group: gm.group, message: { ...m, entries: m.entries.map(copyEntry) } };
}

function copyEntry(e: Entry): Entry {
  return e.kind === 'data' ? { ...e, payload: e.payload.slice() } : { ...e };
}
