// DescribeProducers (61) v0: the active idempotent/transactional producers of each partition
// asked for (KIP-664), as Kafka's KafkaApis.handleDescribeProducersRequest and
// UnifiedLog.activeProducers answer them:
// - an illegal topic name is INVALID_TOPIC_EXCEPTION, an unknown topic or partition
//   UNKNOWN_TOPIC_OR_PARTITION (Kafka leaves the message empty for these codes);
// - per producer: id, epoch, last sequence, last timestamp, coordinator epoch and the first
//   offset of its open transaction (-1 when none).
// Transactions have not landed in producer state yet: until entries carry a coordinator epoch
// and an open transaction's first offset, those answer -1.

import { ErrorCode, type KafkaError } from '../../protocol/errors.ts';
import { DescribeProducers } from '../../protocol/messages/index.ts';
import type { Encodable, ResponseOf } from '../../protocol/schema.ts';
import { validateTopicName } from '../../cluster/topic-table.ts';
import type { ProducerEntry } from '../../transactions/producer-entry.ts';
import type { Broker } from '../broker.ts';
import { handler } from '../handler.ts';

type PartitionOut = Encodable<ResponseOf<typeof DescribeProducers>['topics'][number]['partitions'][number]>;
type ProducerOut = Encodable<PartitionOut['activeProducers'] extends ReadonlyArray<infer E> | undefined ? E : never>;

export default handler(DescribeProducers, (ctx, req) => ({
  throttleTimeMs: 0,
  topics: req.topics.map((t) => {
    const topicError = checkTopic(ctx.broker, t.name);
    return {
      name: t.name,
      partitions: t.partitionIndexes.map((i): PartitionOut => {
        const replica = topicError ? undefined : ctx.broker.replica(t.name, i);
        if (replica !== undefined) {
          // The leader's view (what it deduplicates against); NOT_LEADER_OR_FOLLOWER elsewhere, as Kafka.
          const r = replica.activeProducers();
          if (!r.ok) return { partitionIndex: i, errorCode: r.error.code, errorMessage: r.error.message, activeProducers: [] };
          return { partitionIndex: i, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: describe(r.producers) };
        }
        const p = topicError ? undefined : ctx.broker.partition(t.name, i);
        if (!p) {
          const e = topicError ?? { code: ctx.broker.partitionErrorCode(t.name, i), message: null };
          return { partitionIndex: i, errorCode: e.code, errorMessage: e.message, activeProducers: [] };
        }
        return { partitionIndex: i, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: describe(p.producers.activeProducers()) };
      }),
    };
  }),
}));

function checkTopic(broker: Broker, name: string): KafkaError | null {
  const bad = validateTopicName(name);
  if (bad) return bad;
  if (!broker.topics.get(name)) return { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: null };
  return null;
}

/** Transaction fields a ProducerEntry may carry once transactions land (Kafka's ProducerStateEntry). */
interface TxnFields {
  readonly coordinatorEpoch?: number;
  readonly currentTxnFirstOffset?: number | null;
}

function describe(producers: Iterable<ProducerEntry>): ProducerOut[] {
  const out: ProducerOut[] = [];
  for (const e of producers as Iterable<ProducerEntry & TxnFields>) {
    out.push({
      producerId: e.producerId,
      producerEpoch: e.producerEpoch,
      lastSequence: e.lastSeq,
      lastTimestamp: e.lastTimestamp,
      coordinatorEpoch: e.coordinatorEpoch ?? -1,
      currentTxnStartOffset: e.currentTxnFirstOffset ?? -1,
    });
  }
  return out;
}
