// Simulated clients: each proposes numbered requests to the node it believes leads, keeps a
// few outstanding, and counts one as acknowledged when the node that accepted it applies the
// very entry it was given (same offsets, term and content), as a Kafka leader answers
// acks=all when its high watermark passes the batch. Requests whose offsets end up holding
// something else, or whose node crashed, or that wait too long, are given up (not retried:
// duplicates are the idempotent producer's business, above the core).

import type { Prng } from '../../../src/base/prng.ts';
import type { Entry, Index, NodeId, Term } from '../../../src/raft/core/index.ts';
import type { EntryRef, RaftChecker } from './checker.ts';
import type { SimNode } from './sim-node.ts';

interface Request {
  readonly client: string;
  readonly seq: number;
  readonly node: NodeId;
  readonly incarnation: number;
  readonly firstIndex: Index;
  readonly lastIndex: Index;
  readonly term: Term;
  readonly atMs: number;
}

const REQUEST_GIVE_UP_MS = 2000;
const encoder = new TextEncoder();

export class SimClients {
  private readonly hints: (NodeId | null)[];
  private readonly seqs: number[];
  /** Outstanding requests by payload text. */
  private readonly outstanding = new Map<string, Request>();
  proposed = 0;
  acknowledged = 0;

  constructor(
    private readonly count: number,
    private readonly window: number,
    private readonly prng: Prng,
    private readonly checker: RaftChecker,
    private readonly trace: ((line: string) => void) | null,
  ) {
    this.hints = new Array(count).fill(null);
    this.seqs = new Array(count).fill(0);
  }

  /** Client `c` sends a request if its window allows; returns the node that took it, if any. */
  act(c: number, nodes: readonly SimNode[], nowMs: number): SimNode | null {
    const name = `c${c}`;
    let mine = 0;
    for (const [id, r] of this.outstanding) {
      if (nowMs - r.atMs > REQUEST_GIVE_UP_MS) this.outstanding.delete(id);
      else if (r.client === name) mine++;
    }
    if (mine >= this.window) return null;
    const hinted = this.hints[c] === null ? undefined : nodes.find((n) => n.id === this.hints[c] && n.alive);
    const live = nodes.filter((n) => n.alive);
    const node = hinted ?? (live.length > 0 ? this.prng.pick(live) : undefined);
    if (node === undefined) return null;
    const seq = this.seqs[c]++;
    const payload = `${name}#${seq}`;
    const r = node.raft!.propose(encoder.encode(payload), this.prng.int(1, 3));
    if (!r.ok) {
      if (r.reason === 'not_leader') this.hints[c] = r.leaderId;
      return null;
    }
    this.proposed++;
    this.hints[c] = node.id;
    this.outstanding.set(payload, { client: name, seq, node: node.id, incarnation: node.incarnation, firstIndex: r.firstIndex, lastIndex: r.lastIndex, term: r.term, atMs: nowMs });
    this.trace?.(`${name} proposes #${seq} at n${node.id}: [${r.firstIndex}..${r.lastIndex}]@t${r.term}`);
    return node;
  }

  /** `node` applied `e`: acknowledge the request it holds, or give up those it displaced. */
  applied(node: SimNode, e: Entry, ref: EntryRef): void {
    if (e.kind === 'data') {
      const r = this.outstanding.get(ref.id);
      if (r !== undefined && r.node === node.id && r.incarnation === node.incarnation && r.firstIndex === e.firstIndex && r.term === e.term) {
        this.outstanding.delete(ref.id);
        this.acknowledged++;
        this.trace?.(`${r.client} #${r.seq} acknowledged by n${node.id}`);
        this.checker.acknowledged(r.client, r.seq, ref);
        return;
      }
    }
    for (const [id, r] of this.outstanding) {
      if (r.node === node.id && r.firstIndex <= e.lastIndex && r.lastIndex >= e.firstIndex) this.outstanding.delete(id);
    }
  }

  crashed(node: SimNode): void {
    for (const [id, r] of this.outstanding) if (r.node === node.id) this.outstanding.delete(id);
  }
}
