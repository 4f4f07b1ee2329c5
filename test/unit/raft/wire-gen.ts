// Random, valid Raft message batches for the wire codec's property tests and fuzzer: every
// message type, entries of both kinds with payloads, memberships, and group ids in every form
// the codec has (runs of one topic's partitions, topic switches, the controller group, ids that
// look like partitions but are not canonical, arbitrary names).

import { Prng } from '../../../src/base/prng.ts';
import { uuidToString } from '../../../src/protocol/primitives.ts';
import type { Entry, Membership, Message, NodeId } from '../../../src/raft/core/index.ts';
import { CONTROLLER_GROUP, type GroupMessage } from '../../../src/raft/transport.ts';
import type { RaftBatch } from '../../../src/raft/wire.ts';

const INDEX_EDGES = [-1, 0, 1, 127, 128, 2 ** 31, Number.MAX_SAFE_INTEGER - 1_000_000];
const TERM_EDGES = [0, 1, 127, 128, 0x7fffffff];

export class BatchGen {
  private readonly topics: string[];

  constructor(readonly rng: Prng) {
    this.topics = Array.from({ length: 4 }, () => uuidToString(rng.bytes(16), 0));
  }

  index(): number {
    return this.rng.chance(0.2) ? this.rng.pick(INDEX_EDGES) : this.rng.int(-1, 1_000_000);
  }

  term(): number {
    return this.rng.chance(0.2) ? this.rng.pick(TERM_EDGES) : this.rng.int(0, 1000);
  }

  node(): NodeId {
    return this.rng.chance(0.1) ? 0x7fffffff : this.rng.int(0, 9);
  }

  nodes(max: number): NodeId[] {
    const set = new Set<NodeId>();
    for (let i = this.rng.int(0, max); i > 0; i--) set.add(this.node());
    return [...set].sort((a, b) => a - b);
  }

  membership(): Membership {
    const all = this.nodes(7);
    const voters = all.filter(() => this.rng.chance(0.7));
    return { voters, learners: all.filter((n) => !voters.includes(n)) };
  }

  group(previous: string | null): string {
    const r = this.rng.int(0, 9);
    if (r < 2 && previous !== null) return previous;
    if (r < 6) return `${this.rng.pick(this.topics)}:${this.rng.chance(0.1) ? 0x7fffffff : this.rng.int(0, 300)}`;
    if (r === 6) return CONTROLLER_GROUP;
    if (r === 7) {
      // Looks like a partition group but is not canonical: codec must fall back to the name form.
      return this.rng.pick([`${this.topics[0].slice(0, 21)}B:1`, `${this.topics[1]}:01`, `${this.topics[2]}:2147483648`, `${this.topics[3]}:-1`]);
    }
    if (r === 8) return `naïve-grüppe-${this.rng.int(0, 99)}:${this.rng.int(0, 9)}`;
    return `${this.rng.pick(this.topics)}:${this.rng.int(0, 3)}`;
  }

  entries(prevIndex: number, term: number): Entry[] {
    const out: Entry[] = [];
    let next = prevIndex + 1;
    for (let i = this.rng.int(0, 4); i > 0; i--) {
      const t = this.rng.int(0, term);
      if (this.rng.chance(0.7)) {
        const records = this.rng.chance(0.1) ? 1000 : this.rng.int(1, 20);
        out.push({ kind: 'data', firstIndex: next, lastIndex: next + records - 1, term: t, payload: this.rng.bytes(this.rng.int(0, 300)) });
        next += records;
      } else {
        const control = this.rng.chance(0.5) ? { type: 'leader_change' as const, leaderId: this.node(), voters: this.nodes(5) } : { type: 'membership' as const, membership: this.membership() };
        out.push({ kind: 'control', firstIndex: next, lastIndex: next, term: t, control });
        next++;
      }
    }
    return out;
  }

  message(from: NodeId, to: NodeId): Message {
    const env = { from, to, term: this.term() };
    switch (this.rng.int(0, 7)) {
      case 0: {
        const prevIndex = this.rng.chance(0.5) ? this.rng.int(-1, 100_000) : -1;
        return { ...env, type: 'append_entries', prevIndex, prevTerm: this.term(), commit: this.index(), entries: this.entries(prevIndex, env.term) };
      }
      case 1:
        return this.rng.chance(0.5)
          ? { ...env, type: 'append_entries_response', reject: false, matchIndex: this.index() }
          : { ...env, type: 'append_entries_response', reject: true, rejectedIndex: this.index(), hintIndex: this.index(), hintTerm: this.term() };
      case 2:
        return this.rng.chance(0.3) ? { ...env, type: 'heartbeat', commit: this.index(), quiesce: true } : { ...env, type: 'heartbeat', commit: this.index() };
      case 3:
        return this.rng.chance(0.3) ? { ...env, type: 'heartbeat_response', wake: true } : { ...env, type: 'heartbeat_response' };
      case 4:
        return { ...env, type: 'request_vote', preVote: this.rng.chance(0.5), transfer: this.rng.chance(0.3), lastIndex: this.index(), lastTerm: this.term() };
      case 5:
        return { ...env, type: 'request_vote_response', preVote: this.rng.chance(0.5), granted: this.rng.chance(0.5) };
      case 6:
        return { ...env, type: 'timeout_now' };
      default:
        return { ...env, type: 'install_snapshot', snapshot: { index: this.index(), term: this.term(), membership: this.membership() } };
    }
  }

  batch(messagesMax = 12): RaftBatch {
    const from = this.node();
    let to = this.node();
    if (to === from) to = (from + 1) % 10;
    const messages: GroupMessage[] = [];
    let previous: string | null = null;
    for (let i = this.rng.int(0, messagesMax); i > 0; i--) {
      previous = this.group(previous);
      messages.push({ group: previous, message: this.message(from, to) });
    }
    return { from, to, messages };
  }
}

/** 1,000 idle-tick heartbeats from node 1 to node 2: `topics` topics, partitions in order. */
export function heartbeats(count: number, topics: number, seed = 1): RaftBatch {
  const rng = new Prng(seed);
  const ids = Array.from({ length: topics }, () => uuidToString(rng.bytes(16), 0));
  const perTopic = Math.ceil(count / topics);
  const messages: GroupMessage[] = [];
  for (let i = 0; i < count; i++) {
    const group = `${ids[Math.floor(i / perTopic)]}:${i % perTopic}`;
    messages.push({ group, message: { type: 'heartbeat', from: 1, to: 2, term: 3 + (i % 5), commit: 1_000_000 + i * 37 } });
  }
  return { from: 1, to: 2, messages };
}
