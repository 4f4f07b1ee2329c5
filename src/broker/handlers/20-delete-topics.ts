// DeleteTopics (20) v1-6.
// - delete.topic.enable=false refuses every topic: INVALID_REQUEST before v3, then
//   TOPIC_DELETION_DISABLED (ControllerApis.deleteTopics).
// - v0-5 name topics; v6 names a topic by name or by id (KIP-516), never both: both or neither is
//   INVALID_REQUEST, an unknown id UNKNOWN_TOPIC_ID, an unknown name UNKNOWN_TOPIC_OR_PARTITION,
//   a name or id given twice INVALID_REQUEST (answered once), with Kafka's messages.
// - Internal topics (__consumer_offsets, __transaction_state) are refused with
//   TOPIC_AUTHORIZATION_FAILED. Kafka lets a cluster admin delete them; the group and transaction
//   coordinators here keep them open, so we refuse as Redpanda's kafka_nodelete_topics does.
// - Deletion is synchronous: the topic is gone (and forgotten by fetch sessions) on return.
//   Kafka answers in request order shuffled (to hide which names exist from unauthorized
//   callers); with no authorizer we keep the request order.
// On a cluster the controller runs it (cluster/quorum/controller-ops.ts); every node deletes its
// partitions of the topic when the deletion is applied there.

import { boolProp } from '../../config/node-config.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { DeleteTopics } from '../../protocol/messages/index.ts';
import { ZERO_UUID } from '../../protocol/primitives.ts';
import type { Encodable, RequestOf, ResponseOf } from '../../protocol/schema.ts';
import { DELETE_TOPICS } from '../../cluster/quorum/controller-ops.ts';
import { handler, type RequestContext } from '../handler.ts';

type Result = Encodable<ResponseOf<typeof DeleteTopics>['responses'][number]>;
interface Wanted {
  name: string | null;
  id: string;
}

const UNKNOWN_TOPIC_ID_MESSAGE = 'This server does not host this topic ID.';
const UNKNOWN_TOPIC_MESSAGE = 'This server does not host this topic-partition.';

// One write of the topic table for the whole request (TopicTable.batch).
export default handler(DeleteTopics, (ctx, req) => ctx.broker.controller?.call(DELETE_TOPICS, req, ctx.apiVersion) ?? ctx.broker.topics.batch(() => deleteTopics(ctx, req)));

function deleteTopics(ctx: RequestContext, req: RequestOf<typeof DeleteTopics>) {
  const broker = ctx.broker;
  const wanted: Wanted[] = [
    ...req.topicNames.map((name) => ({ name, id: ZERO_UUID })),
    ...req.topics.map((t) => ({ name: t.name, id: t.topicId })),
  ];
  if (!boolProp(broker.config, 'delete.topic.enable')) {
    const errorCode = ctx.apiVersion < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
    return { throttleTimeMs: 0, responses: wanted.map((w) => ({ name: w.name, topicId: w.id, errorCode })) };
  }
  const nameCount = new Map<string, number>();
  const idCount = new Map<string, number>();
  for (const w of wanted) {
    if (w.name !== null && w.id === ZERO_UUID) nameCount.set(w.name, (nameCount.get(w.name) ?? 0) + 1);
    if (w.name === null && w.id !== ZERO_UUID) idCount.set(w.id, (idCount.get(w.id) ?? 0) + 1);
  }
  // Topic ids asked for twice, directly or through a name that maps to an id also given.
  const idsNamedTwice = new Set<string>();
  for (const name of nameCount.keys()) {
    const t = broker.topics.get(name);
    if (t && idCount.has(t.id)) idsNamedTwice.add(t.id);
  }
  const responses: Result[] = [];
  const answered = new Set<string>();
  const invalid = (name: string | null, topicId: string, errorMessage: string): Result => ({
    name,
    topicId,
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage,
  });
  for (const w of wanted) {
    if (w.name === null && w.id === ZERO_UUID) {
      responses.push(invalid(null, ZERO_UUID, 'Neither topic name nor id were specified.'));
      continue;
    }
    if (w.name !== null && w.id !== ZERO_UUID) {
      responses.push(invalid(w.name, w.id, 'You may not specify both topic name and topic id.'));
      continue;
    }
    const key = w.name !== null ? `n:${w.name}` : `i:${w.id}`;
    if (answered.has(key)) continue;
    answered.add(key);
    if (w.name !== null && nameCount.get(w.name)! > 1) {
      responses.push(invalid(w.name, ZERO_UUID, 'Duplicate topic name.'));
      continue;
    }
    if (w.name === null && idCount.get(w.id)! > 1) {
      responses.push(invalid(null, w.id, 'Duplicate topic id.'));
      continue;
    }
    const t = w.name !== null ? broker.topics.get(w.name) : broker.topics.getById(w.id);
    if (!t) {
      responses.push(
        w.name !== null
          ? { name: w.name, topicId: ZERO_UUID, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: UNKNOWN_TOPIC_MESSAGE }
          : { name: null, topicId: w.id, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: UNKNOWN_TOPIC_ID_MESSAGE },
      );
      continue;
    }
    if (idsNamedTwice.has(t.id)) {
      responses.push(invalid(w.name, t.id, 'The provided topic name maps to an ID that was already supplied.'));
      continue;
    }
    if (broker.isInternal(t.name)) {
      responses.push({
        name: t.name,
        topicId: t.id,
        errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        errorMessage: `Topic ${t.name} is internal and cannot be deleted.`,
      });
      continue;
    }
    broker.deleteTopic(t.name);
    responses.push({ name: t.name, topicId: t.id, errorCode: ErrorCode.NONE, errorMessage: null });
  }
  return { throttleTimeMs: 0, responses };
}
