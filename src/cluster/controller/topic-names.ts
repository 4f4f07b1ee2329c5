// Kafka's rules for topic names (org.apache.kafka.common.internals.Topic), with its messages.
// The one copy: the single node's table (cluster/topic-table.ts) uses these too, until the node
// reads the controller's image instead.

import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import { TOPIC_NAME_MAX_CHARS } from './records.ts';

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/;

/** Topics Kafka treats as internal (Topic.isInternal): never deleted, never counted against limits when the node makes them. */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);
export const OFFSETS_TOPIC = '__consumer_offsets';

export function validateTopicName(name: string): KafkaError | null {
  if (name.length === 0) return kafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic name is illegal, it can't be empty");
  if (name === '.' || name === '..') return kafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, 'Topic name cannot be "." or ".."');
  if (name.length > TOPIC_NAME_MAX_CHARS) {
    return kafkaError(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic name is illegal, it can't be longer than ${TOPIC_NAME_MAX_CHARS} characters, topic name: ${name}`,
    );
  }
  if (!LEGAL_TOPIC.test(name)) {
    return kafkaError(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic name ${name} is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
    );
  }
  return null;
}

/** Topic.unifyCollisionChars: names equal under this collide in metric names, so Kafka refuses the second. */
export function collisionKey(name: string): string {
  return name.replaceAll('.', '_');
}
