// The `range` assignor (Kafka's server-side RangeAssignor): for each topic, its subscribers in
// order (static members first by instance id, then the others by member id) take consecutive
// ranges of partitions; the first `partitions % subscribers` of them take one more. Members
// subscribed to the same topics with the same partition counts get the same partition numbers
// of each topic: co-partitioned joins keep working.

import type { Assignment } from '../consumer-records.ts';
import { addPartition, type AssignorMember, type AssignorTopics, type ConsumerGroupAssignor } from './types.ts';

function memberOrder(a: AssignorMember, b: AssignorMember): number {
  if (a.instanceId !== null && b.instanceId !== null) return a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0;
  if (a.instanceId !== null) return -1;
  if (b.instanceId !== null) return 1;
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

export const rangeAssignor: ConsumerGroupAssignor = {
  name: 'range',
  assign(members: readonly AssignorMember[], topics: AssignorTopics): Map<string, Assignment> {
    const sorted = [...members].sort(memberOrder);
    const out = new Map<string, Map<string, Set<number>>>(sorted.map((m) => [m.memberId, new Map()]));
    const subscribers = new Map<string, AssignorMember[]>();
    for (const m of sorted) {
      for (const t of m.subscribedTopicIds) {
        const list = subscribers.get(t) ?? [];
        list.push(m);
        subscribers.set(t, list);
      }
    }
    for (const [topicId, subs] of subscribers) {
      const n = topics.numPartitions(topicId);
      if (n <= 0) continue;
      const quota = Math.floor(n / subs.length);
      const extra = n % subs.length;
      let next = 0;
      subs.forEach((m, i) => {
        const count = quota + (i < extra ? 1 : 0);
        for (let p = next; p < next + count; p++) addPartition(out.get(m.memberId)!, topicId, p);
        next += count;
      });
    }
    return out;
  },
};
