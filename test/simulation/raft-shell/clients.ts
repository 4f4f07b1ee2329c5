// Simulated producers: each client keeps a few record batches outstanding per group, sends
// each to the node it believes leads the group (Produce, acks=all), and counts one as
// acknowledged when that node, in the same life, applies the very batch it was given (same
// offsets and term): its high watermark passed it. Requests whose node crashed, whose offsets
// end up holding something else, or that wait too long are given up, not retried (retries and
// their deduplication are the idempotent producer's, above the shell).

import type { Prng } from '../../../src/base/prng.ts';
import { batchRecordsRange, buildBatch, decodeRecords } from '../../../src/protocol/records/records.ts';
import { describeMembership, type Entry, type Index, type NodeId, type Term } from '../../../src/raft/core/index.ts';
import type { GroupId } from '../../../src/raft/transport.ts';
import type { EntryRef, RaftChecker } from '../raft-core/checker.ts';
import type { ShellNode } from './shell-node.ts';

interface Request {
  readonly client: string;
  readonly seq: number;
  readonly group: GroupId;
  readonly node: NodeId;
  readonly incarnation: number;
  readonly firstIndex: Index;
  readonly term: Term;
  readonly atMs: number;
}

const REQUEST_GIVE_UP_MS = 2000;
const decoder = new TextDecoder();

/** The checker's view of an entry: its range, term, and the first record's value (unique per request). */
export function refOf(e: Entry): EntryRef {
  let id: string;
  if (e.kind === 'control') {
    id = e.control.type === 'leader_change' ? `leader ${e.control.leaderId}` : `membership ${describeMembership(e.control.membership)}`;
  } else {
    const range = batchRecordsRange(e.payload, 0);
    const [first] = decodeRecords(e.payload, range.start, range.end, e.lastIndex - e.firstIndex + 1);
    id = decoder.decode(first.value!);
  }
  return { firstIndex: e.firstIndex, lastIndex: e.lastIndex, term: e.term, id };
}

export class ShellClients {
  private readonly hints = new Map<string, NodeId>();
  private readonly seqs = new Map<string, number>();
  private readonly outstanding = new Map<string, Request>();
  proposed = 0;
  acknowledged = 0;

  constructor(
    private readonly window: number,
    private readonly prng: Prng,
    private readonly checkers: ReadonlyMap<GroupId, RaftChecker>,
    private readonly trace: ((line: string) => void) | null,
  ) {}

  /** Client `c` sends a batch to `group` if its window allows. */
  act(c: number, group: GroupId, nodes: readonly ShellNode[], nowMs: number): void {
    const name = `c${c}@${group}`;
    let mine = 0;
    for (const [id, r] of this.outstanding) {
      if (nowMs - r.atMs > REQUEST_GIVE_UP_MS) this.outstanding.delete(id);
      else if (r.client === name) mine++;
    }
    if (mine >= this.window) return;
    const live = nodes.filter((n) => n.alive);
    const hinted = live.find((n) => n.id === this.hints.get(name));
    const node = hinted ?? (live.length > 0 ? this.prng.pick(live) : undefined);
    const driver = node?.groups?.get(group);
    if (node === undefined || driver === undefined) return;
    const seq = this.seqs.get(name) ?? 0;
    this.seqs.set(name, seq + 1);
    const id = `${name}#${seq}`;
    const count = this.prng.int(1, 3);
    const batch = buildBatch({ records: Array.from({ length: count }, (_, k) => ({ key: `k${k}`, value: k === 0 ? id : `${id}.${k}`, timestamp: nowMs })) });
    const r = driver.propose(batch);
    if (!r.ok) {
      if (r.reason === 'not_leader' && r.leaderId !== null) this.hints.set(name, r.leaderId);
      else this.hints.delete(name);
      return;
    }
    this.proposed++;
    this.hints.set(name, node.id);
    this.outstanding.set(id, { client: name, seq, group, node: node.id, incarnation: node.incarnation, firstIndex: r.firstIndex, term: r.term, atMs: nowMs });
    this.trace?.(`${name} proposes #${seq} at n${node.id}: [${r.firstIndex}..${r.lastIndex}]@t${r.term}`);
  }

  /** `node` applied `e` of `group`: acknowledge the request it holds, or give up those it displaced. */
  applied(node: ShellNode, group: GroupId, e: Entry, ref: EntryRef): void {
    if (e.kind === 'data') {
      const r = this.outstanding.get(ref.id);
      if (r !== undefined && r.group === group && r.node === node.id && r.incarnation === node.incarnation && r.firstIndex === e.firstIndex && r.term === e.term) {
        this.outstanding.delete(ref.id);
        this.acknowledged++;
        this.trace?.(`${r.client} #${r.seq} acknowledged by n${node.id}`);
        this.checkers.get(group)!.acknowledged(r.client, r.seq, ref);
        return;
      }
    }
    for (const [id, r] of this.outstanding) {
      if (r.group === group && r.node === node.id && r.firstIndex <= e.lastIndex && r.firstIndex >= e.firstIndex) this.outstanding.delete(id);
    }
  }

  crashed(node: ShellNode): void {
    for (const [id, r] of this.outstanding) if (r.node === node.id) this.outstanding.delete(id);
  }
}
