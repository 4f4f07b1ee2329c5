// Data-path calls, routed to each partition's leader: ListOffsets, Produce, Fetch and DeleteRecords.
// Partitions whose leader is unknown answer with the metadata error, as values.

import { compress } from '../compression/index.ts';
import { Fetch } from '../protocol/messages/01-fetch.ts';
import { ListOffsets } from '../protocol/messages/02-list-offsets.ts';
import { Produce } from '../protocol/messages/00-produce.ts';
import { DeleteRecords } from '../protocol/messages/21-delete-records.ts';
import { Compression } from '../protocol/records/batch.ts';
import { buildBatch, type RecordInput } from '../protocol/records/records.ts';
import type { ClientCore } from './core.ts';
import { type KafkaErr, kafkaErr } from './errors.ts';
import { type FetchedRecord, nextFetchOffset, recordsFromFetch } from './fetched-records.ts';

/** ListOffsets special timestamps (KIP-79; -3 max timestamp is KIP-734). */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;

/** 'earliest', 'latest', or a timestamp in ms: the first offset whose timestamp is >= it. */
export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

export interface PartitionKey {
  topic: string;
  partition: number;
}

export interface ListedOffset extends PartitionKey {
  /** -1 when no record has a timestamp at or after the one asked for. */
  offset: number;
  timestamp: number;
  leaderEpoch: number;
  error: KafkaErr | null;
}

function timestampOf(spec: OffsetSpec): number {
  if (spec === 'earliest') return EARLIEST_TIMESTAMP;
  if (spec === 'latest') return LATEST_TIMESTAMP;
  return spec.timestamp;
}

/** Groups items by topic, keeping order: the shape of every partitioned request. */
function byTopic<T extends PartitionKey>(items: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const list = m.get(i.topic) ?? [];
    list.push(i);
    m.set(i.topic, list);
  }
  return m;
}

export async function listOffsets(
  c: ClientCore,
  items: ReadonlyArray<PartitionKey & { spec: OffsetSpec }>,
  options: { isolationLevel?: 0 | 1 } = {},
): Promise<ListedOffset[]> {
  const { byLeader, errors } = await c.leaders(items);
  const out: ListedOffset[] = errors.map(({ item, error }) => ({ topic: item.topic, partition: item.partition, offset: -1, timestamp: -1, leaderEpoch: -1, error }));
  await Promise.all(
    [...byLeader].map(async ([leader, list]) => {
      const conn = await c.node(leader);
      const res = await conn.request(ListOffsets, {
        replicaId: -1,
        isolationLevel: options.isolationLevel ?? 0,
        topics: [...byTopic(list)].map(([name, ps]) => ({
          name,
          partitions: ps.map((p) => ({ partitionIndex: p.partition, timestamp: timestampOf(p.spec) })),
        })),
      });
      for (const t of res.topics) {
        for (const p of t.partitions) {
          out.push({ topic: t.name, partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch, error: kafkaErr(p.errorCode) });
        }
      }
    }),
  );
  return out;
}

export interface ProduceInput extends PartitionKey {
  records: RecordInput[];
}

export interface ProduceResult extends PartitionKey {
  baseOffset: number;
  logAppendTimeMs: number;
  error: KafkaErr | null;
}

/** Produces one batch per partition. acks 0 is refused: it has no answer to return values from. */
export async function produce(
  c: ClientCore,
  items: readonly ProduceInput[],
  options: { acks?: 1 | -1; timeoutMs?: number; compression?: Compression } = {},
): Promise<ProduceResult[]> {
  const { byLeader, errors } = await c.leaders(items);
  const out: ProduceResult[] = errors.map(({ item, error }) => ({ topic: item.topic, partition: item.partition, baseOffset: -1, logAppendTimeMs: -1, error }));
  const now = c.options.io.clock.nowMs();
  await Promise.all(
    [...byLeader].map(async ([leader, list]) => {
      const conn = await c.node(leader);
      const timeoutMs = options.timeoutMs ?? 30_000;
      const res = await conn.request(
        Produce,
        {
          transactionalId: null,
          acks: options.acks ?? -1,
          timeoutMs,
          topicData: [...byTopic(list)].map(([name, ps]) => ({
            name,
            partitionData: ps.map((p) => ({
              index: p.partition,
              records: buildBatch({ records: p.records.map((r) => ({ ...r, timestamp: r.timestamp ?? now })), compression: options.compression }, compress),
            })),
          })),
        },
        { timeoutMs: timeoutMs + conn.requestTimeoutMs },
      );
      for (const t of res.responses) {
        for (const p of t.partitionResponses) {
          out.push({ topic: t.name, partition: p.index, baseOffset: p.baseOffset, logAppendTimeMs: p.logAppendTimeMs, error: kafkaErr(p.errorCode, p.errorMessage) });
        }
      }
    }),
  );
  return out;
}

export interface FetchInput extends PartitionKey {
  offset: number;
  /** Per-partition byte limit (default 1 MiB, Kafka's max.partition.fetch.bytes). */
  maxBytes?: number;
}

export interface FetchResult extends PartitionKey {
  error: KafkaErr | null;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  records: FetchedRecord[];
  /** Where the next fetch of this partition starts: past every whole batch returned, control
   *  batches included (the offset asked for when none came or on an error). */
  nextOffset: number;
}

export interface FetchOptions {
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  /** 0 read_uncommitted, 1 read_committed. */
  isolationLevel?: 0 | 1;
}

const PARTITION_FETCH_BYTES_DEFAULT = 1024 * 1024;
const FETCH_BYTES_DEFAULT = 50 * 1024 * 1024;

/** One full (sessionless) fetch per leader. */
export async function fetch(c: ClientCore, items: readonly FetchInput[], options: FetchOptions = {}): Promise<FetchResult[]> {
  const { byLeader, errors } = await c.leaders(items);
  const out: FetchResult[] = errors.map(({ item, error }) => ({ topic: item.topic, partition: item.partition, error, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: [], nextOffset: item.offset }));
  const maxWaitMs = options.maxWaitMs ?? 500;
  await Promise.all(
    [...byLeader].map(async ([leader, list]) => {
      const conn = await c.node(leader);
      const from = new Map(list.map((i) => [`${i.topic}/${i.partition}`, i.offset]));
      const res = await conn.request(
        Fetch,
        {
          replicaId: -1,
          maxWaitMs,
          minBytes: options.minBytes ?? 1,
          maxBytes: options.maxBytes ?? FETCH_BYTES_DEFAULT,
          isolationLevel: options.isolationLevel ?? 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [...byTopic(list)].map(([topic, ps]) => ({
            topic,
            partitions: ps.map((p) => ({ partition: p.partition, fetchOffset: p.offset, partitionMaxBytes: p.maxBytes ?? PARTITION_FETCH_BYTES_DEFAULT })),
          })),
        },
        { timeoutMs: maxWaitMs + conn.requestTimeoutMs },
      );
      if (res.errorCode !== 0) {
        // A request-level error (fetch sessions, KIP-227) applies to every partition asked for.
        const error = kafkaErr(res.errorCode);
        for (const i of list) out.push({ topic: i.topic, partition: i.partition, error, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: [], nextOffset: i.offset });
        return;
      }
      for (const t of res.responses) {
        for (const p of t.partitions) {
          const fromOffset = from.get(`${t.topic}/${p.partitionIndex}`) ?? 0;
          out.push({
            topic: t.topic,
            partition: p.partitionIndex,
            error: kafkaErr(p.errorCode),
            highWatermark: p.highWatermark,
            lastStableOffset: p.lastStableOffset,
            logStartOffset: p.logStartOffset,
            records: p.errorCode === 0 ? recordsFromFetch(p.records, fromOffset) : [],
            nextOffset: p.errorCode === 0 ? nextFetchOffset(p.records, fromOffset) : fromOffset,
          });
        }
      }
    }),
  );
  return out;
}

export interface DeletedRecords extends PartitionKey {
  /** The partition's log start offset after the deletion (-1 on an error). */
  lowWatermark: number;
  error: KafkaErr | null;
}

/** DeleteRecords' offset meaning "up to the high watermark" (KIP-107). */
export const DELETE_TO_HIGH_WATERMARK = -1;

/**
 * DeleteRecords (KIP-107), sent to each partition's leader as Kafka's Admin.deleteRecords does:
 * moves each log start offset up to `offset` (DELETE_TO_HIGH_WATERMARK: everything written).
 */
export async function deleteRecords(c: ClientCore, items: ReadonlyArray<PartitionKey & { offset: number }>, options: { timeoutMs?: number } = {}): Promise<DeletedRecords[]> {
  const { byLeader, errors } = await c.leaders(items);
  const out: DeletedRecords[] = errors.map(({ item, error }) => ({ topic: item.topic, partition: item.partition, lowWatermark: -1, error }));
  const timeoutMs = options.timeoutMs ?? 30_000;
  await Promise.all(
    [...byLeader].map(async ([leader, list]) => {
      const conn = await c.node(leader);
      const res = await conn.request(
        DeleteRecords,
        { topics: [...byTopic(list)].map(([name, ps]) => ({ name, partitions: ps.map((p) => ({ partitionIndex: p.partition, offset: p.offset })) })), timeoutMs },
        { timeoutMs: timeoutMs + conn.requestTimeoutMs },
      );
      for (const t of res.topics) {
        for (const p of t.partitions) out.push({ topic: t.name, partition: p.partitionIndex, lowWatermark: p.lowWatermark, error: kafkaErr(p.errorCode) });
      }
    }),
  );
  return out;
}
