// OffsetFetch (9) v1-10: committed offsets of a group (v8+: of several groups, KIP-709).
// Null topics (v2+) means every committed partition. Partitions never committed answer offset
// -1 with no error. requireStable (v7, KIP-447) waits on pending transactional commits: there
// are none until transactions exist, so it changes nothing. v10 names topics by id. v9+ carries
// the member id and epoch of a KIP-848 member (UNKNOWN_MEMBER_ID / STALE_MEMBER_EPOCH).

import { ErrorCode } from '../../protocol/errors.ts';
import { OffsetFetch } from '../../protocol/messages/index.ts';
import type { FetchedTopic } from '../../groups/offset-ops.ts';
import type { Broker } from '../broker.ts';
import { groupCoordinatorError } from '../clustered.ts';
import { handler } from '../handler.ts';

type Wanted = Array<{ name: string; partitions: number[] }> | null;

function fetchGroup(broker: Broker, groupId: string, wanted: Wanted): FetchedTopic[] {
  return broker.groups.fetchOffsets(groupId, wanted);
}

/**
 * NONE once this node may answer from its state of the group: it coordinates the group
 * (clustered.ts) and, after a read barrier (groups/state-log.ts), still did after the request
 * arrived. Without the barrier a coordinator cut off from the others answers from its old
 * state until CheckQuorum steps it down, while the new leader already acknowledges commits:
 * an offset read lower than one acknowledged before the read (the chaos checker's
 * offset_regressed, seed 397; Raft dissertation 6.4).
 */
async function readableHere(broker: Broker, groupId: string): Promise<number> {
  const notHere = groupCoordinatorError(broker, groupId);
  // A lone node is the only writer of its log: its state is never stale.
  if (notHere !== ErrorCode.NONE || broker.controller === null) return notHere;
  const barrier = await broker.groups.readBarrier(groupId);
  if (barrier !== ErrorCode.NONE) return barrier;
  // Unloaded meanwhile (another leader, a new term): that node answers.
  return groupCoordinatorError(broker, groupId);
}

export default handler(OffsetFetch, async (ctx, req) => {
  const broker = ctx.broker;
  if (ctx.apiVersion < 8) {
    const notHere = await readableHere(broker, req.groupId);
    if (notHere !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: notHere, topics: [] };
    const wanted: Wanted = req.topics === null ? null : req.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: fetchGroup(broker, req.groupId, wanted) };
  }
  const byId = ctx.apiVersion >= 10;
  const readable = await Promise.all(req.groups.map((g) => readableHere(broker, g.groupId)));
  return {
    throttleTimeMs: 0,
    groups: req.groups.map((g, gi) => {
      const wanted: Wanted = g.topics === null
        ? null
        : g.topics.map((t) => ({ name: byId ? (broker.topics.getById(t.topicId)?.name ?? '') : t.name, partitions: t.partitionIndexes }));
      // v9+ (KIP-848): a consumer group's member must name itself with its current epoch.
      // Checked again: another group's barrier may have resolved after this one's.
      const notHere = readable[gi] !== ErrorCode.NONE ? readable[gi] : groupCoordinatorError(broker, g.groupId);
      if (notHere !== ErrorCode.NONE) return { groupId: g.groupId, errorCode: notHere, topics: [] };
      const memberError = ctx.apiVersion >= 9 ? broker.groups.consumer.validateOffsetFetch(g.groupId, g.memberId, g.memberEpoch) : ErrorCode.NONE;
      if (memberError !== ErrorCode.NONE) return { groupId: g.groupId, errorCode: memberError, topics: [] };
      const fetched = fetchGroup(broker, g.groupId, wanted);
      return {
        groupId: g.groupId,
        errorCode: ErrorCode.NONE,
        topics: fetched.map((t, i) => {
          const topicId = byId ? (g.topics !== null ? g.topics[i].topicId : (broker.topics.get(t.name)?.id ?? '')) : undefined;
          const unknownId = byId && t.name === '';
          return {
            name: t.name,
            topicId,
            partitions: t.partitions.map((p) => (unknownId ? { ...p, errorCode: ErrorCode.UNKNOWN_TOPIC_ID } : p)),
          };
        }),
      };
    }),
  };
});
