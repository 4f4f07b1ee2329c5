// POST /topics/{topic} and POST /topics/{topic}/partitions/{partition}: Confluent REST Proxy v2
// produce (resources/v2/ProduceToTopicAction, ProduceToPartitionAction, AbstractProduceAction).
//
// As Confluent: the body is checked and every key and value serialized before anything is sent
// (a bad record fails the whole request, nothing produced); a record's own `partition` wins over
// the path's; Kafka's answer per record goes in `offsets` (offset, or error_code 50002 / 50003 /
// 40101 / 40301 and `error`), the request answering 200 unless a record failed authentication
// (401) or authorization (403) (ProduceResponse.getRequestStatus).
//
// The topic is looked up as a producer looks it up (allowAutoTopicCreation), so a cluster with
// auto.create.topics.enable creates it, as under Confluent's proxy. Where we differ, on purpose:
// a topic the cluster does not know (and does not create) is 404 40401 and a path partition it
// lacks 404 40402 at once, as Confluent's API reference documents, where its code sends anyway
// and answers each record 50003 after the producer's 60 s metadata wait; a
// record's own partition that the topic lacks is that record's error (50002). Records without
// a partition or key go to one partition per request, turning request by request (Kafka's
// sticky partitioner keeps a partition per batch); keyed ones where Kafka's producer puts them.

import { ClientError } from '../client/client.ts';
import type { RecordInput } from '../protocol/records/records.ts';
import { isSchemaless, parseProduceRequest, type ProduceRecordJson, serialize } from './embedded.ts';
import { recordError } from './kafka-errors.ts';
import { partitionForKey } from './partitioner.ts';
import { type ProxyClient, topicMetadata } from './routes.ts';
import { type ProxySchemas, requestSchemas, serializeWithSchema } from './schema-formats.ts';
import { type Checked, type EmbeddedFormat, ErrorCodes, good, json, problem, problems } from './wire.ts';

/** One record's answer (entities/v2/PartitionOffset). */
interface PartitionOffset {
  partition: number | null;
  offset: number | null;
  error_code: number | null;
  error: string | null;
}

interface Serialized {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** The record's own partition, else the path's; null: the partitioner picks. */
  readonly partition: number | null;
}

/** Turns per proxy: the partition for records with neither partition nor key. */
export interface StickyPartition {
  next: number;
}

export async function produce(
  client: ProxyClient,
  schemas: ProxySchemas | undefined,
  sticky: StickyPartition,
  topic: string,
  pathPartition: number | null,
  format: EmbeddedFormat,
  body: string,
): Promise<Response> {
  const request = parseProduceRequest(body);
  if (!request.ok) return problem(request.problem);
  const r = request.value;
  let serialized: Checked<Serialized[]>;
  let schemaIds: { key: number | null; value: number | null } = { key: null, value: null };
  if (isSchemaless(format)) {
    serialized = serializeAll(r.records, pathPartition, (data) => serialize(format, data), (data) => serialize(format, data));
  } else if (schemas === undefined) {
    // A proxy without the node's registry (turned off): what Confluent answers without one.
    const schemaGiven = r.keySchema !== null || r.keySchemaId !== null || r.valueSchema !== null || r.valueSchemaId !== null;
    return problem(schemaGiven ? problems.schemaRegistryNotConfigured() : problems.schemaSerializerNotConfigured());
  } else {
    const used = await requestSchemas(schemas, topic, format, r);
    if (!used.ok) return problem(used.problem);
    const { key, value } = used.value;
    schemaIds = { key: key?.id ?? null, value: value?.id ?? null };
    serialized = serializeAll(r.records, pathPartition, (data) => serializeWithSchema(key, data, true), (data) => serializeWithSchema(value, data, false));
  }
  if (!serialized.ok) return problem(serialized.problem);
  const t = await topicMetadata(client, topic, { autoCreate: true });
  if (!t.ok) return problem(t.problem);
  const partitionCount = t.value.partitions.length;
  if (pathPartition !== null && !t.value.partitions.some((p) => p.partition === pathPartition)) return problem(problems.partitionNotFound());
  const unkeyed = partitionCount > 0 ? sticky.next++ % partitionCount : 0;
  const targets = serialized.value.map((s) => s.partition ?? (s.key !== null ? partitionForKey(s.key, partitionCount) : unkeyed));
  const offsets = await send(client, topic, serialized.value, targets, partitionCount);
  const status = offsets.reduce((st, o) => (o.status !== 200 ? o.status : st), 200);
  return json({ offsets: offsets.map((o) => o.answer), key_schema_id: schemaIds.key, value_schema_id: schemaIds.value }, status);
}

type Serializer = (data: unknown) => Checked<Uint8Array | null>;

function serializeAll(records: readonly ProduceRecordJson[], pathPartition: number | null, key: Serializer, value: Serializer): Checked<Serialized[]> {
  const out: Serialized[] = [];
  for (const r of records) {
    const k = key(r.key);
    if (!k.ok) return k;
    const v = value(r.value);
    if (!v.ok) return v;
    out.push({ key: k.value, value: v.value, partition: r.partition ?? pathPartition });
  }
  return good(out);
}

/**
 * Bytes of keys and values in one batch. The Java producer under Confluent's proxy splits a
 * partition's records into batches (batch.size, 16 KiB by default) that each fit the broker's
 * max.message.bytes (1 MiB by default); a request of many small records must not fail as one
 * oversized batch. A record larger than this goes alone, and the broker judges it
 * (MESSAGE_TOO_LARGE, 50002, as the producer's RecordTooLargeException).
 */
export const PRODUCE_BATCH_BYTES_MAX = 256 * 1024;

type Answer = { answer: PartitionOffset; status: number };

/** Splits one partition's records (indexes into `records`) into batches under the byte limit. */
function batchesOf(indexes: readonly number[], records: readonly Serialized[]): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const i of indexes) {
    const size = (records[i].key?.length ?? 0) + (records[i].value?.length ?? 0);
    if (current.length > 0 && bytes + size > PRODUCE_BATCH_BYTES_MAX) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Sends each partition's batches, one round per batch index (a partition's batches in order),
 *  keeping each record's place in the answer. */
async function send(client: ProxyClient, topic: string, records: readonly Serialized[], targets: readonly number[], partitionCount: number): Promise<Answer[]> {
  const answers: Array<Answer | undefined> = new Array(records.length);
  const byPartition = new Map<number, number[]>();
  targets.forEach((p, i) => {
    if (!(Number.isInteger(p) && p >= 0 && p < partitionCount)) {
      // KafkaProducer's own check (waitOnMetadata): a KafkaException, not retriable.
      const message = `Invalid partition given with record: ${p} is not in the range [0...${partitionCount}).`;
      answers[i] = { answer: { partition: null, offset: null, error_code: ErrorCodes.KAFKA_ERROR, error: message }, status: 200 };
      return;
    }
    const list = byPartition.get(p) ?? [];
    list.push(i);
    byPartition.set(p, list);
  });
  const batches = new Map([...byPartition].map(([p, indexes]) => [p, batchesOf(indexes, records)]));
  const rounds = Math.max(0, ...[...batches.values()].map((b) => b.length));
  for (let round = 0; round < rounds; round++) {
    const sending = new Map<number, number[]>();
    for (const [p, list] of batches) if (round < list.length) sending.set(p, list[round]);
    await sendRound(client, topic, records, sending, answers);
  }
  return answers.map((a) => a ?? { answer: { partition: null, offset: null, error_code: ErrorCodes.KAFKA_ERROR, error: 'no answer for this record' }, status: 200 });
}

/** One Produce per leader for one batch of each partition in `sending`. */
async function sendRound(client: ProxyClient, topic: string, records: readonly Serialized[], sending: Map<number, number[]>, answers: Array<Answer | undefined>): Promise<void> {
  const items = [...sending].map(([partition, indexes]) => ({
    topic,
    partition,
    records: indexes.map((i): RecordInput => ({ key: records[i].key, value: records[i].value })),
  }));
  try {
    for (const r of await client.produce(items)) {
      (sending.get(r.partition) ?? []).forEach((i, n) => {
        if (r.error === null) {
          answers[i] = { answer: { partition: r.partition, offset: r.baseOffset + n, error_code: null, error: null }, status: 200 };
        } else {
          const e = recordError(r.error);
          answers[i] = { answer: { partition: null, offset: null, error_code: e.code, error: e.error }, status: e.status };
        }
      });
    }
  } catch (e) {
    if (!(e instanceof ClientError)) throw e;
    // No answer from the cluster (connect, timeout, closed): the producer's retriable errors.
    for (const indexes of sending.values()) {
      for (const i of indexes) answers[i] = { answer: { partition: null, offset: null, error_code: ErrorCodes.KAFKA_RETRIABLE_ERROR, error: e.message }, status: 200 };
    }
  }
}
