// RaftTransport in memory, over the seeded message network of the core simulation
// (raft-core/network.ts): each send() call is one frame, lost, duplicated, delayed (so frames
// reorder) or cut as a whole, and the messages inside a frame keep their order, as over one
// TCP connection. Deliveries are timers of the world's scheduler; a frame arriving at a node
// that crashed meanwhile (or restarted: another incarnation) is dropped. Segment streaming's
// range requests (src/raft/stream) cross the same network as frames of their own, both ways,
// under the same faults; one lost either way leaves the asker with null after a timeout.

import type { Prng } from '../../../src/base/prng.ts';
import type { SimScheduler } from '../../../src/base/scheduler.ts';
import type { Entry, Message, NodeId } from '../../../src/raft/core/index.ts';
import type { RangeAnswer, RangeRequest } from '../../../src/raft/stream/protocol.ts';
import type { GroupMessage, RaftTransport } from '../../../src/raft/transport.ts';
import { type NetworkFaults, SimNetwork } from '../raft-core/network.ts';

export interface Frame {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly messages: readonly GroupMessage[];
  /** A range request or answer (no messages): run at delivery instead of the node's handler. */
  readonly call?: () => void;
}

type Handler = (from: NodeId, messages: readonly GroupMessage[]) => void;
type RangeHandler = (from: NodeId, request: RangeRequest) => RangeAnswer;

/** A range request not answered within this long resolves to null (RpcRaftTransport's timeout, scaled to the simulation). */
const RANGE_TIMEOUT_MS = 200;

export class SimRaftNet {
  readonly network: SimNetwork<Frame>;
  private readonly handlers = new Map<NodeId, Handler>();
  /** send() calls, and messages in them, per sending node: what the batching is measured by. */
  readonly sendCalls = new Map<NodeId, number>();
  private readonly rangeHandlers = new Map<NodeId, RangeHandler>();
  /** Range requests answered, per serving node. */
  readonly rangesServed = new Map<NodeId, number>();

  constructor(
    prng: Prng,
    faults: NetworkFaults,
    private readonly scheduler: SimScheduler,
  ) {
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
      fetchRange(to, request) {
        return new Promise<RangeAnswer | null>((resolve) => {
          let done = false;
          const finish = (a: RangeAnswer | null) => {
            if (done) return;
            done = true;
            resolve(a);
          };
          net.scheduler.after(RANGE_TIMEOUT_MS, () => finish(null));
          if (net.handlers.get(id) !== handler || handler === null) return;
          net.network.send({
            from: id,
            to,
            messages: [],
            call: () => {
              const serve = net.rangeHandlers.get(to);
              if (serve === undefined) return;
              const a = serve(id, { ...request });
              net.rangesServed.set(to, (net.rangesServed.get(to) ?? 0) + 1);
              const answer: RangeAnswer = { status: a.status, end: a.end, bytes: a.bytes.slice() };
              net.network.send({ from: to, to: id, messages: [], call: () => finish(answer) });
            },
          });
        });
      },
      onRangeRequest(h) {
        net.rangeHandlers.set(id, h);
      },
    };
    return t;
  }

  /** Node `id` crashed: frames on their way to it are dropped on arrival. */
  detach(id: NodeId): void {
    this.handlers.delete(id);
    this.rangeHandlers.delete(id);
  }

  private deliver(frame: Frame): void {
    const h = this.handlers.get(frame.to);
    if (h === undefined || !this.network.deliverable(frame)) return;
    if (frame.call !== undefined) {
      frame.call();
      return;
    }
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
