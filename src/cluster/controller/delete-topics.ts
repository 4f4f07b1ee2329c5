// DeleteTopics (20) on the controller. The single node's rules (broker/handlers/20), Kafka's
// (ControllerApis.deleteTopics, ReplicationControlManager.deleteTopics):
// - delete.topic.enable=false refuses every topic: INVALID_REQUEST before v3, then
//   TOPIC_DELETION_DISABLED;
// - v0-5 name topics; v6 names a topic by name or by id (KIP-516), never both: both or neither is
//   INVALID_REQUEST, an unknown id UNKNOWN_TOPIC_ID, an unknown name UNKNOWN_TOPIC_OR_PARTITION,
//   a name or id given twice INVALID_REQUEST (answered once), with Kafka's messages;
// - internal topics (__consumer_offsets, __transaction_state) are TOPIC_AUTHORIZATION_FAILED:
//   the coordinators keep them open (Redpanda's kafka_nodelete_topics does the same).
// One RemoveTopicRecord per topic; replaying it drops the partitions and the topic's configs.
// Topics past the request's one batch (RECORDS_PER_BATCH_MAX) are POLICY_VIOLATION.
// Answers keep the request's order (Kafka shuffles them to hide names from the unauthorized).

import { ErrorCode } from '../../protocol/errors.ts';
import type { DeleteTopics } from '../../protocol/messages/index.ts';
import { ZERO_UUID } from '../../protocol/primitives.ts';
import type { Encodable, RequestOf, ResponseOf } from '../../protocol/schema.ts';
import type { MetadataImage } from './image.ts';
import { removeDrained } from './maintenance.ts';
import { boolProp, type ControllerInputs, type ControllerResult, Proposal } from './proposal.ts';
import { INTERNAL_TOPICS } from './topic-names.ts';

type Result = Encodable<ResponseOf<typeof DeleteTopics>['responses'][number]>;
export type DeleteTopicsResponse = Encodable<ResponseOf<typeof DeleteTopics>>;

interface Wanted {
  readonly name: string | null;
  readonly id: string;
}

const UNKNOWN_TOPIC_ID_MESSAGE = 'This server does not host this topic ID.';
const UNKNOWN_TOPIC_MESSAGE = 'This server does not host this topic-partition.';

export interface DeleteTopicsInputs extends ControllerInputs {
  /** The request's version: it decides the error for delete.topic.enable=false. */
  readonly apiVersion: number;
}

export function deleteTopics(image: MetadataImage, req: RequestOf<typeof DeleteTopics>, inputs: DeleteTopicsInputs): ControllerResult<DeleteTopicsResponse> {
  const proposal = new Proposal(image);
  const wanted: Wanted[] = [...req.topicNames.map((name) => ({ name, id: ZERO_UUID })), ...req.topics.map((t) => ({ name: t.name, id: t.topicId }))];
  if (!boolProp(inputs.broker, 'delete.topic.enable')) {
    const errorCode = inputs.apiVersion < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
    return proposal.result({ throttleTimeMs: 0, responses: wanted.map((w) => ({ name: w.name, topicId: w.id, errorCode })) });
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
    const t = image.topic(name);
    if (t && idCount.has(t.topicId)) idsNamedTwice.add(t.topicId);
  }
  const responses: Result[] = [];
  const answered = new Set<string>();
  for (const w of wanted) {
    const key = w.name !== null ? `n:${w.name}` : `i:${w.id}`;
    const bothOrNeither = (w.name === null) === (w.id === ZERO_UUID);
    if (!bothOrNeither) {
      if (answered.has(key)) continue;
      answered.add(key);
    }
    responses.push(deleteOne(proposal, w, { nameCount, idCount, idsNamedTwice }));
  }
  // A decommissioned node whose last replicas went with these topics is removed in this batch.
  removeDrained(proposal);
  return proposal.result({ throttleTimeMs: 0, responses });
}

interface Seen {
  readonly nameCount: ReadonlyMap<string, number>;
  readonly idCount: ReadonlyMap<string, number>;
  readonly idsNamedTwice: ReadonlySet<string>;
}

function deleteOne(proposal: Proposal, w: Wanted, seen: Seen): Result {
  const invalid = (name: string | null, topicId: string, errorMessage: string): Result => ({ name, topicId, errorCode: ErrorCode.INVALID_REQUEST, errorMessage });
  if (w.name === null && w.id === ZERO_UUID) return invalid(null, ZERO_UUID, 'Neither topic name nor id were specified.');
  if (w.name !== null && w.id !== ZERO_UUID) return invalid(w.name, w.id, 'You may not specify both topic name and topic id.');
  if (w.name !== null && seen.nameCount.get(w.name)! > 1) return invalid(w.name, ZERO_UUID, 'Duplicate topic name.');
  if (w.name === null && seen.idCount.get(w.id)! > 1) return invalid(null, w.id, 'Duplicate topic id.');
  const t = w.name !== null ? proposal.image.topic(w.name) : proposal.image.topicById(w.id);
  if (!t) {
    return w.name !== null
      ? { name: w.name, topicId: ZERO_UUID, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: UNKNOWN_TOPIC_MESSAGE }
      : { name: null, topicId: w.id, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: UNKNOWN_TOPIC_ID_MESSAGE };
  }
  if (seen.idsNamedTwice.has(t.topicId)) return invalid(w.name, t.topicId, 'The provided topic name maps to an ID that was already supplied.');
  if (INTERNAL_TOPICS.has(t.name)) {
    return { name: t.name, topicId: t.topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: `Topic ${t.name} is internal and cannot be deleted.` };
  }
  if (!proposal.fits(1)) {
    return { name: t.name, topicId: t.topicId, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: 'Excessively large number of topics per request.' };
  }
  proposal.add({ type: 'remove_topic', topicId: t.topicId });
  return { name: t.name, topicId: t.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
}
