// The `uniform` assignor, the default (Kafka's UniformAssignor): partitions spread as evenly as
// the subscriptions allow, and a member keeps what it had whenever balance permits (sticky), so
// a rebalance moves as few partitions as possible.
//
// - Every member subscribes to the same topics (homogeneous, Kafka's optimized builder): each
//   member gets floor(P/N) or floor(P/N)+1 partitions; members first keep their current
//   partitions up to that quota, the rest are handed out in member order.
// - Otherwise (heterogeneous, Kafka's general builder): members keep what they still subscribe
//   to, free partitions go to the least loaded subscriber (topics with the fewest subscribers
//   first), then partitions move from a member to a less loaded subscriber of the same topic
//   while that narrows the gap by more than one. Each move lowers the sum of squared loads, so
//   it ends; BALANCE_MOVES_MAX bounds it anyway.

import type { Assignment } from '../consumer-records.ts';
import { addPartition, type AssignorMember, type AssignorTopics, type ConsumerGroupAssignor, isHomogeneous } from './types.ts';

/** Moves the heterogeneous balancing pass may make in one assignment. */
export const BALANCE_MOVES_MAX = 100_000;

type Tp = { topicId: string; partition: number };
type Working = { m: AssignorMember; out: Map<string, Set<number>>; load: number };

function byMemberId(a: AssignorMember, b: AssignorMember): number {
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

function give(w: Working, tp: Tp, owner: Map<string, Working>): void {
  addPartition(w.out, tp.topicId, tp.partition);
  w.load++;
  owner.set(`${tp.topicId}:${tp.partition}`, w);
}

/** The member's current partitions that still exist, are subscribed and not yet taken. */
function retainable(m: AssignorMember, topics: AssignorTopics, owner: Map<string, Working>): Tp[] {
  const out: Tp[] = [];
  for (const topicId of [...m.current.keys()].sort()) {
    if (!m.subscribedTopicIds.has(topicId)) continue;
    const n = topics.numPartitions(topicId);
    for (const p of [...m.current.get(topicId)!].sort((a, b) => a - b)) {
      if (p < n && !owner.has(`${topicId}:${p}`)) out.push({ topicId, partition: p });
    }
  }
  return out;
}

function allPartitions(topicIds: Iterable<string>, topics: AssignorTopics): Tp[] {
  const out: Tp[] = [];
  for (const topicId of [...topicIds].sort()) {
    const n = topics.numPartitions(topicId);
    for (let p = 0; p < n; p++) out.push({ topicId, partition: p });
  }
  return out;
}

function assignHomogeneous(ws: Working[], topics: AssignorTopics): void {
  const owner = new Map<string, Working>();
  const all = allPartitions(ws[0].m.subscribedTopicIds, topics);
  const minQuota = Math.floor(all.length / ws.length);
  let extra = all.length % ws.length;
  for (const w of ws) {
    const keep = retainable(w.m, topics, owner);
    let n = Math.min(keep.length, minQuota);
    if (keep.length > minQuota && extra > 0) {
      n++;
      extra--;
    }
    for (const tp of keep.slice(0, n)) give(w, tp, owner);
  }
  const free = all.filter((tp) => !owner.has(`${tp.topicId}:${tp.partition}`));
  let i = 0;
  for (const w of ws) while (w.load < minQuota) give(w, free[i++], owner);
  for (const w of ws) {
    if (extra === 0) break;
    if (w.load === minQuota) {
      give(w, free[i++], owner);
      extra--;
    }
  }
}

function assignHeterogeneous(ws: Working[], topics: AssignorTopics): void {
  const owner = new Map<string, Working>();
  const subscribers = new Map<string, Working[]>();
  for (const w of ws) for (const t of w.m.subscribedTopicIds) subscribers.set(t, [...(subscribers.get(t) ?? []), w]);
  for (const w of ws) for (const tp of retainable(w.m, topics, owner)) give(w, tp, owner);
  const order = [...subscribers.keys()].sort((a, b) => subscribers.get(a)!.length - subscribers.get(b)!.length || (a < b ? -1 : 1));
  for (const topicId of order) {
    for (const tp of allPartitions([topicId], topics)) {
      if (!owner.has(`${topicId}:${tp.partition}`)) give(leastLoaded(subscribers.get(topicId)!), tp, owner);
    }
  }
  for (let moves = 0; moves < BALANCE_MOVES_MAX && moveOne(ws, subscribers); moves++);
}

function leastLoaded(ws: readonly Working[]): Working {
  let best = ws[0];
  for (const w of ws) if (w.load < best.load) best = w;
  return best;
}

/** Moves one partition from a member to a subscriber loaded at least two less; false if none. */
function moveOne(ws: readonly Working[], subscribers: ReadonlyMap<string, Working[]>): boolean {
  for (const from of [...ws].sort((a, b) => b.load - a.load)) {
    for (const [topicId, parts] of from.out) {
      const to = leastLoaded(subscribers.get(topicId)!);
      if (to.load + 1 >= from.load) continue;
      const p = Math.max(...parts);
      parts.delete(p);
      if (parts.size === 0) from.out.delete(topicId);
      from.load--;
      addPartition(to.out, topicId, p);
      to.load++;
      return true;
    }
  }
  return false;
}

export const uniformAssignor: ConsumerGroupAssignor = {
  name: 'uniform',
  assign(members: readonly AssignorMember[], topics: AssignorTopics): Map<string, Assignment> {
    const ws: Working[] = [...members].sort(byMemberId).map((m) => ({ m, out: new Map(), load: 0 }));
    if (ws.length > 0) (isHomogeneous(members) ? assignHomogeneous : assignHeterogeneous)(ws, topics);
    return new Map(ws.map((w) => [w.m.memberId, w.out]));
  },
};
